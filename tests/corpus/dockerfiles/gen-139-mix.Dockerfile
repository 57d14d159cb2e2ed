ARG BASE=alpine
FROM ${BASE:-busybox}
RUN echo one \
# a comment inside
    two
volume /a /b /c
RUN echo 'single "quoted"' "double 'quoted'"
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
VOLUME  ["/var/log", "/var/db"]
ADD --unpack=false --link a.tar /x/
