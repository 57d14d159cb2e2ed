FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
WORKDIR relative/dir
ENV MULTI=one \
    TWO=two
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN -- --not-a-flag
