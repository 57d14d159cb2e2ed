from debian:12 as base
RUN echo trailing \
RUN echo 'single "quoted"' "double 'quoted'"
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
CMD nginx -g 'daemon off;'
RUN python3 <<PY
print('hi')
PY
