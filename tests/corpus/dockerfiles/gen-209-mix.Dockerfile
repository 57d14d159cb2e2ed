ARG BASE=alpine
FROM scratch
RUN  echo trailing \
RUN echo hello
FROM --platform=linux/arm64 busybox AS arm
RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true
RUN echo one \
# a comment inside
    two
STOPSIGNAL 9
