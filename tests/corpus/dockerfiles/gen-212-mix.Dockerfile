FROM --platform=linux/arm64 busybox AS arm
Maintainer  John Doe <john@example.com>
RUN	echo	tabs
RUN --network=host --security=insecure make
USER 1000:1000
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
