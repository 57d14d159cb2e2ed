FROM alpine
RUN  echo 'single "quoted"' "double 'quoted'"
RUN apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
FROM alpine
RUN echo trailing \
onbuild ADD --chown=1:1 a b
