# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN echo 'single "quoted"' "double 'quoted'"
ENTRYPOINT exec top -b
Env LEGACY value with spaces
COPY --from=0 / /
VOLUME /data
