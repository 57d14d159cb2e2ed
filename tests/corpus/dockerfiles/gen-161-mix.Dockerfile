FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
EXPOSE 80
ADD --chown="a b" src dst
RUN  echo hello
RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true
