FROM alpine:3.19 AS build
user nobody
ONBUILD ENTRYPOINT ["/x"]
