FROM alpine
RUN ["echo", "exec form"]
