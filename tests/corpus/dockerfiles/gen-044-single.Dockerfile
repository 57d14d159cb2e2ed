FROM alpine
VOLUME ["/var/log", "/var/db"]
