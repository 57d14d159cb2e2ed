FROM alpine
VOLUME /a /b /c
