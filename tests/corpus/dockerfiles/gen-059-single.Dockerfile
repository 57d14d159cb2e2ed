FROM alpine
ONBUILD COPY . /src
