from debian:12 as base
ENTRYPOINT ["/entrypoint.sh"]
ENV  PATH=/usr/local/bin:$PATH LANG=C.UTF-8
ENV MULTI=one \
    TWO=two
