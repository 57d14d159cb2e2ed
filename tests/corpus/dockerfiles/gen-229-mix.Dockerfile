ARG BASE=alpine
FROM alpine:3.19 AS build
ENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8
Expose ${PORT:-8080}
volume /a /b /c
