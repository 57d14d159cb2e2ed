ARG BASE=alpine
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
VOLUME /a /b /c
WORKDIR $HOME/src
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
