FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
COPY <<A <<B /dir/
a
A
b
B
RUN echo multi \
  \
  continued
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
COPY --from=build /out/app /usr/local/bin/app
RUN cat <<A && cat <<B
first
A
second
B
