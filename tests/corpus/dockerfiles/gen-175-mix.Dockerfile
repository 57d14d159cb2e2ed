FROM --platform=linux/arm64 busybox AS arm
Copy --chown='x y' \
  src dst
ADD --unpack=false --link a.tar /x/
Maintainer John Doe <john@example.com>
UNKNOWNINSTR some args
run ["echo", "exec form"]
