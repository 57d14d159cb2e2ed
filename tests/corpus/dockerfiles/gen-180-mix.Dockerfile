FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
EXPOSE ${PORT:-8080}
VOLUME /a /b /c
WORKDIR $HOME/src
COPY  ["file with space", "/dst/"]
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
