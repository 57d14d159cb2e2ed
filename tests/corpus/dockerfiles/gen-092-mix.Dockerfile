FROM scratch
CMD nginx -g 'daemon off;'
COPY ["file with space", "/dst/"]
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
ADD https://example.com/archive.tar.gz /tmp/
entrypoint ["/entrypoint.sh"]
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN python3 <<PY
print('hi')
PY
EXPOSE 80
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
