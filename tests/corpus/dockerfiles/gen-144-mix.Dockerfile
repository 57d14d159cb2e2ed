ARG BASE=alpine
FROM scratch
WORKDIR  relative/dir
RUN echo 'single "quoted"' "double 'quoted'"
Label maintainer="someone@example.com" version=1.0
