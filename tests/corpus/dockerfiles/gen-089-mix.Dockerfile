FROM alpine:3.19 AS build
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
STOPSIGNAL SIGTERM
WORKDIR $HOME/src
ADD --chown="a b" src dst