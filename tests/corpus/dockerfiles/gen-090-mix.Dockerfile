FROM --platform=linux/arm64 busybox AS arm
Workdir $HOME/src
RUN echo multi \
  \
  continued
ONBUILD ADD --chown=1:1 a b
