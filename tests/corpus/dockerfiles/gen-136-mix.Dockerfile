ARG BASE=alpine
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ADD https://example.com/archive.tar.gz /tmp/
RUN apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
# just a comment
RUN echo after comment
