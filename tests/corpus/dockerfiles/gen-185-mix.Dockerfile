FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN -- --not-a-flag
RUN <<"EOF" sh -x
literal $X
EOF
HEALTHCHECK NONE