FROM alpine
RUN echo one \
# a comment inside
    two
