FROM alpine
ENTRYPOINT ["/entrypoint.sh"]
