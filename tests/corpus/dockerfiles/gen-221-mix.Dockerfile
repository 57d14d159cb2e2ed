# syntax=docker/dockerfile:1
FROM --platform=linux/arm64 busybox AS arm
RUN <<EOF
echo heredoc
EOF
run ["broken json"
CMD ["nginx", "-g", "daemon off;"]
ADD <<EOF /x
$HOME
EOF
onbuild COPY . /src
from debian:12 as base
ADD --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
