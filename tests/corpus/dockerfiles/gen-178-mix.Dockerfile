FROM scratch
ADD <<EOF /x
$HOME
EOF
Stopsignal SIGTERM
CMD nginx -g 'daemon off;'
RUN  cat <<A && cat <<B
first
A
second
B
ONBUILD RUN echo triggered
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ADD https://example.com/archive.tar.gz /tmp/
