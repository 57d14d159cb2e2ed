FROM alpine:3.19 AS build
SHELL ["powershell", "-command"]
Run echo $HOME ${HOME} ${UNSET:-default}
Expose 80/tcp 443/tcp 53/udp
