FROM --platform=linux/arm64 busybox AS arm
USER 1000:1000
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci
