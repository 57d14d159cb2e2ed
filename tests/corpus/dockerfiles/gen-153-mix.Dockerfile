FROM alpine
RUN cat <<A && cat <<B
first
A
second
B
COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
Onbuild ENTRYPOINT ["/x"]
RUN echo a \

    b
