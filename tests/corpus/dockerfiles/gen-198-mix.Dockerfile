FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
WORKDIR /app
WORKDIR $HOME/src
Add https://example.com/archive.tar.gz /tmp/
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
ONBUILD RUN echo triggered
RUN echo multi \
  \
  continued
from debian:12 as base
UNKNOWNINSTR some args
