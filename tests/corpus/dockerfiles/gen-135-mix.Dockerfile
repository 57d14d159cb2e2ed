FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ARG QUOTED="x y"
VOLUME /data
