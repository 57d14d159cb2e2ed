ARG BASE=alpine
from debian:12 as base
WORKDIR $HOME/src
run --mount=type=tmpfs,target=/tmp,size=64m --network=none true
EXPOSE ${PORT:-8080}
# just a comment
RUN echo after comment
