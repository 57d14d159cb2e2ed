FROM alpine:3.19 AS build
RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true
ARG VERSION
UNKNOWNINSTR some args
STOPSIGNAL  9
Copy --parents --exclude=*.tmp ./a/ ./b/ /dst/
