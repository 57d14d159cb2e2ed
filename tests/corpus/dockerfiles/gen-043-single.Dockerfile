FROM alpine
VOLUME /data
