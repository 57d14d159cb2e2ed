FROM alpine
COPY --chown='x y' \
  src dst
