FROM ${BASE:-busybox}
CMD
user ${APP_USER}
ADD --chown="a b" src dst
WORKDIR  relative/dir