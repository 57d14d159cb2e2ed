from debian:12 as base
ENTRYPOINT ["/entrypoint.sh"]
HEALTHCHECK NONE
LABEL single value with spaces
FROM --platform=linux/arm64 busybox AS arm
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
add --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
