FROM alpine
ENTRYPOINT exec top -b
