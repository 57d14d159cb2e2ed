FROM scratch
STOPSIGNAL 9
ENV  LEGACY value with spaces
add --unpack=false --link a.tar /x/
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN python3 <<PY
print('hi')
PY
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
