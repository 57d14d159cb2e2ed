FROM alpine
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
USER nobody
RUN echo trailing \
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
COPY  <<A <<B /dir/
a
A
b
B
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN echo 'single "quoted"' "double 'quoted'"
CMD nginx -g 'daemon off;'
