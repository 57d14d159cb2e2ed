FROM alpine
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
