# syntax=docker/dockerfile:1
FROM --platform=linux/arm64 busybox AS arm
ENV  PATH=/usr/local/bin:$PATH LANG=C.UTF-8
STOPSIGNAL 9