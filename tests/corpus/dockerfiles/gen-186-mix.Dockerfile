from debian:12 as base
RUN echo trailing \
arg VERSION
Run apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
RUN [not json]
FROM --platform=linux/arm64 busybox AS arm
env LEGACY value with spaces
