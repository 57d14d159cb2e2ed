FROM alpine
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
RUN echo 'single "quoted"' "double 'quoted'"
RUN --mount=type=tmpfs,target=/tmp,size=64m --network=none true
USER ${APP_USER}
FROM alpine
STOPSIGNAL  9
ONBUILD COPY . /src
