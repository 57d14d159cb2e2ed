FROM alpine
WORKDIR relative/dir
