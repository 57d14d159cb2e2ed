FROM alpine
LABEL maintainer="someone@example.com" version=1.0
RUN echo $HOME ${HOME} ${UNSET:-default}
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
USER nobody
