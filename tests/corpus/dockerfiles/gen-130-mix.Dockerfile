ARG BASE=alpine
FROM alpine:3.19 AS build
CMD
RUN --mount=type=cache,target=/root/.cache go build ./...
