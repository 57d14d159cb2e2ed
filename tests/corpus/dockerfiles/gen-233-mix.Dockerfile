# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN --mount=type=cache,target=/root/.cache go build ./...
RUN echo trailing \
RUN  --network=host --security=insecure make
RUN [not json]
HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]
