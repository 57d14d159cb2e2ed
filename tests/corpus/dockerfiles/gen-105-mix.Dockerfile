FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
run 3<<EOF cat /dev/fd/3
fd three
EOF
ENTRYPOINT exec top -b
volume /data
STOPSIGNAL SIGTERM
RUN echo hello
FROM --platform=linux/arm64 busybox AS arm
ONBUILD ENTRYPOINT ["/x"]
RUN echo $HOME ${HOME} ${UNSET:-default}
