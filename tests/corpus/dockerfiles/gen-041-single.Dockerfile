FROM alpine
EXPOSE 80/tcp 443/tcp 53/udp
