FROM ${BASE:-busybox}
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
run --mount=type=tmpfs,target=/tmp,size=64m --network=none true
WORKDIR relative/dir
ENTRYPOINT exec top -b
RUN echo a \

    b
