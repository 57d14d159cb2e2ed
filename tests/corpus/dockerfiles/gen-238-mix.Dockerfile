# syntax=docker/dockerfile:1
FROM alpine:3.19 AS build
STOPSIGNAL SIGTERM
COPY  --from=build /out/app /usr/local/bin/app
env LEGACY value with spaces
COPY --chown='x y' \
  src dst
RUN echo 'single "quoted"' "double 'quoted'"
