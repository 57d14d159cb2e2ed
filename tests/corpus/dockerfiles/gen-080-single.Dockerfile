FROM alpine
RUN echo multi \
  \
  continued
