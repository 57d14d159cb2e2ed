FROM alpine
ONBUILD ADD --chown=1:1 a b
