# syntax=docker/dockerfile:1
FROM --platform=linux/arm64 busybox AS arm
ONBUILD ADD --chown=1:1 a b
Copy <<A <<B /dir/
a
A
b
B
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/
LABEL  maintainer="someone@example.com" version=1.0
# just a comment
RUN echo after comment
