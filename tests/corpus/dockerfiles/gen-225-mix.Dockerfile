FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
Run [not json]
SHELL ["powershell", "-command"]
RUN ["echo", "exec form"]
ADD --chown="a b" src dst
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
CMD ["nginx", "-g", "daemon off;"]
