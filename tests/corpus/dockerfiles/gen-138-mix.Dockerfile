FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN -- --not-a-flag
Label single value with spaces
ONBUILD RUN echo triggered
USER 1000:1000
