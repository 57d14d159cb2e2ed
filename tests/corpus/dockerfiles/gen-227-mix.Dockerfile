FROM ${BASE:-busybox}
RUN ["broken json"
LABEL single value with spaces
ARG VERSION=1.2.3 REVISION
