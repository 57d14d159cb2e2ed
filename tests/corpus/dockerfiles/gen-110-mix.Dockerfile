FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
RUN echo 'single "quoted"' "double 'quoted'"
RUN echo trailing \
RUN apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
COPY  --chown='x y' \
  src dst
FROM scratch
# just a comment
RUN echo after comment
VOLUME ["/var/log", "/var/db"]
RUN  echo trailing \
