FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
unknowninstr some args
USER nobody
MAINTAINER John Doe <john@example.com>
SHELL ["powershell", "-command"]
from debian:12 as base
EXPOSE  80
