FROM alpine
ADD --chown="a b" src dst
