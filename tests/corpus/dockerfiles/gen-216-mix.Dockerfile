FROM scratch
ONBUILD RUN echo triggered
RUN cat <<A && cat <<B
first
A
second
B
RUN --network=host --security=insecure make
CMD
RUN  --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
