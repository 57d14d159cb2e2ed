FROM alpine
ADD https://example.com/archive.tar.gz /tmp/
COPY --chown='x y' \
  src dst
RUN echo $HOME ${HOME} ${UNSET:-default}
from debian:12 as base
ADD --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
