FROM alpine
ENV MULTI=one \
    TWO=two
