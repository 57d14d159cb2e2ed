from debian:12 as base
RUN echo a \

    b
add  --chown="a b" src dst
expose  80/tcp 443/tcp 53/udp
RUN -- --not-a-flag
