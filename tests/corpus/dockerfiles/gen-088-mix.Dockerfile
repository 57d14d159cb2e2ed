from debian:12 as base
RUN echo one \
# a comment inside
    two
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
WORKDIR relative/dir
