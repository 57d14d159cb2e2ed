FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
LABEL  "com.example.vendor"="ACME Inc" description="multi \
    line"
HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]
FROM alpine:3.19 AS build
RUN --mount=type=cache,target=/root/.cache go build ./...
