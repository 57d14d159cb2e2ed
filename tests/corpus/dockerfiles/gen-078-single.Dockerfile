FROM alpine
# just a comment
RUN echo after comment
