FROM alpine
ENV LEGACY value with spaces
