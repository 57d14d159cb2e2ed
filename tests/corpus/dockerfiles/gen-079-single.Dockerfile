FROM alpine
RUN echo trailing \
