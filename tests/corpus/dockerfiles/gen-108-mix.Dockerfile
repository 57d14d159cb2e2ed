FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
arg QUOTED="x y"
RUN echo multi \
  \
  continued
FROM alpine:3.19 AS build
STOPSIGNAL 9
ADD --chown="a b" src dst
EXPOSE ${PORT:-8080}
