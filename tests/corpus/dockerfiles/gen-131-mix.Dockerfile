# syntax=docker/dockerfile:1
FROM alpine:3.19 AS build
ARG VERSION=1.2.3 REVISION
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
