FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ENTRYPOINT ["/entrypoint.sh"]
VOLUME /a /b /c
