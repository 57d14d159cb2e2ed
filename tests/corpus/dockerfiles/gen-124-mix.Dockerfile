FROM ${BASE:-busybox}
ADD https://example.com/archive.tar.gz /tmp/
Run --mount=type=tmpfs,target=/tmp,size=64m --network=none true
