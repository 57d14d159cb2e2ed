FROM alpine
UNKNOWNINSTR some args
LABEL maintainer="someone@example.com" version=1.0
COPY --from=0 / /
HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN echo 'single "quoted"' "double 'quoted'"
  RUN   echo   leading whitespace   