# syntax=docker/dockerfile:1
FROM alpine
ONBUILD ENTRYPOINT ["/x"]
MAINTAINER John Doe <john@example.com>
RUN cat <<A && cat <<B
first
A
second
B
VOLUME /data
RUN echo $HOME ${HOME} ${UNSET:-default}
FROM alpine:3.19 AS build
RUN echo 'single "quoted"' "double 'quoted'"
