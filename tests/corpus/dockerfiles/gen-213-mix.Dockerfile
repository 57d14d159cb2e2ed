# syntax=docker/dockerfile:1
FROM alpine:3.19 AS build
RUN [not json]
RUN  --network=host --security=insecure make
Run <<EOF
echo heredoc
EOF
