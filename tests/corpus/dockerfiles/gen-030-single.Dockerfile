FROM alpine
LABEL maintainer="someone@example.com" version=1.0
