FROM alpine
STOPSIGNAL  9
RUN <<EOF
echo heredoc
EOF
ADD https://example.com/archive.tar.gz /tmp/
LABEL  single value with spaces
RUN echo 'single "quoted"' "double 'quoted'"
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN echo one \
# a comment inside
    two
COPY --from=0 / /
STOPSIGNAL  SIGTERM
