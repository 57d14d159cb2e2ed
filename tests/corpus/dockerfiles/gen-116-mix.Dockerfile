FROM scratch
EXPOSE 80/tcp 443/tcp 53/udp
Add --unpack=false --link a.tar /x/
HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]
FROM --platform=linux/arm64 busybox AS arm
Env QUOTED="a b" ESCAPED=c\ d EMPTY=
MAINTAINER John Doe <john@example.com>
