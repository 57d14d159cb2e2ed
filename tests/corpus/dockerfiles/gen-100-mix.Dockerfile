# syntax=docker/dockerfile:1
from debian:12 as base
ENV LEGACY value with spaces
cmd
ENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8
RUN [not json]
COPY <<EOF /etc/config
key=value
EOF
