FROM --platform=linux/arm64 busybox AS arm
EXPOSE  ${PORT:-8080}
CMD
COPY --chown='x y' \
  src dst
COPY  <<A <<B /dir/
a
A
b
B
EXPOSE 80/tcp 443/tcp 53/udp
