# syntax=docker/dockerfile:1
FROM scratch
volume ["/var/log", "/var/db"]
Expose ${PORT:-8080}
FROM ${BASE:-busybox}
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
USER 1000:1000
