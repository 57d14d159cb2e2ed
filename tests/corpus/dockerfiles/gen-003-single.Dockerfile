FROM alpine
RUN [not json]
