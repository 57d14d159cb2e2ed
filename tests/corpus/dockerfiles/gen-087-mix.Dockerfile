# syntax=docker/dockerfile:1
FROM --platform=linux/arm64 busybox AS arm
LABEL maintainer="someone@example.com" version=1.0
USER nobody
ENTRYPOINT ["/entrypoint.sh"]
COPY ["file with space", "/dst/"]
Stopsignal 9
Add  <<EOF /x
$HOME
EOF
