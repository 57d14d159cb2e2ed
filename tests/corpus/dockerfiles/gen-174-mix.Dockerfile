# syntax=docker/dockerfile:1
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
Expose 80
maintainer  John Doe <john@example.com>
ADD --chown="a b" src dst
RUN --mount=type=cache,target=/root/.cache go build ./...
