ARG BASE=alpine
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
run <<EOF
echo heredoc
EOF
RUN echo multi \
  \
  continued
Env PATH=/usr/local/bin:$PATH LANG=C.UTF-8
