FROM alpine:3.19 AS build
ENV LEGACY value with spaces
RUN --mount=type=cache,target=/root/.cache go build ./...
ARG VERSION
