FROM alpine
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci
