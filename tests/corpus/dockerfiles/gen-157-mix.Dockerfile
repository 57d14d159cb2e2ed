FROM ${BASE:-busybox}
RUN cat <<A && cat <<B
first
A
second
B
STOPSIGNAL  9
ADD  https://example.com/archive.tar.gz /tmp/
COPY --chown='x y' \
  src dst
