FROM --platform=linux/arm64 busybox AS arm
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
WORKDIR  $HOME/src
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
COPY . /src
USER ${APP_USER}
LABEL maintainer="someone@example.com" version=1.0
