FROM alpine
ADD https://example.com/archive.tar.gz /tmp/
