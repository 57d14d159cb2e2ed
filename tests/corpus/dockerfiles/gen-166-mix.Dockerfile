# syntax=docker/dockerfile:1
from debian:12 as base
ARG QUOTED="x y"
RUN echo a \

    b
ONBUILD COPY . /src
COPY --from=0 / /
  RUN   echo   leading whitespace   
RUN echo $HOME ${HOME} ${UNSET:-default}
