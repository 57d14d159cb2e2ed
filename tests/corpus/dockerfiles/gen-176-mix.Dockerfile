FROM alpine:3.19 AS build
RUN apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
ARG QUOTED="x y"
stopsignal 9
