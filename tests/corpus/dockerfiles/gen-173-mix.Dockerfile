ARG BASE=alpine
FROM --platform=linux/arm64 busybox AS arm
RUN echo hello
Onbuild COPY . /src
