ARG BASE=alpine
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SHELL ["powershell", "-command"]
RUN echo 'single "quoted"' "double 'quoted'"