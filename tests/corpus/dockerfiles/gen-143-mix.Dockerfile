FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN echo one \
# a comment inside
    two
Unknowninstr some args
from debian:12 as base
STOPSIGNAL SIGTERM
CMD
HEALTHCHECK NONE
