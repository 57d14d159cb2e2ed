FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN echo a \

    b
WORKDIR relative/dir
Run echo 'single "quoted"' "double 'quoted'"
FROM --platform=linux/arm64 busybox AS arm
COPY <<EOF /etc/config
key=value
EOF
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
MAINTAINER John Doe <john@example.com>
