# syntax=docker/dockerfile:1
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN [not json]
Onbuild COPY . /src
run echo hello
ENV LEGACY value with spaces
Healthcheck  --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
Run ["echo", "exec form"]