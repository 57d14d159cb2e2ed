# syntax=docker/dockerfile:1
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
Run ["echo", "exec form"]
RUN echo trailing \
CMD
Unknowninstr some args
