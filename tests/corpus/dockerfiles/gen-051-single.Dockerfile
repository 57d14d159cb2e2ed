FROM alpine
WORKDIR $HOME/src
