FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ARG VERSION=1.2.3 REVISION
UNKNOWNINSTR some args
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
