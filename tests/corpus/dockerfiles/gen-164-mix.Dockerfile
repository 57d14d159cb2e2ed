# syntax=docker/dockerfile:1
FROM alpine
RUN echo one \
# a comment inside
    two
healthcheck --start-interval=1s CMD ["/bin/check", "--quick"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
Arg QUOTED="x y"
