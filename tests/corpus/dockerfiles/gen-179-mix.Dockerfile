FROM --platform=linux/arm64 busybox AS arm
ADD --chown="a b" src dst
ONBUILD ADD --chown=1:1 a b
RUN -- --not-a-flag
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci
Workdir relative/dir
