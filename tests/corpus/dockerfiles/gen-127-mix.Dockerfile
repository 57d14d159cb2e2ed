FROM ${BASE:-busybox}
ENV LEGACY value with spaces
CMD
