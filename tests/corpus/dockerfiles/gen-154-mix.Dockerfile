FROM alpine:3.19 AS build
ARG VERSION=1.2.3 REVISION
run --mount=type=secret,id=npmrc,target=/root/.npmrc,required npm ci
ENV  PATH=/usr/local/bin:$PATH LANG=C.UTF-8
RUN python3 <<PY
print('hi')
PY
VOLUME /a /b /c
COPY  --chown=app:app --chmod=0755 --link script.sh /usr/bin/
FROM scratch
COPY <<A <<B /dir/
a
A
b
B
ENV MULTI=one \
    TWO=two
