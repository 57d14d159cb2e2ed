FROM alpine
ONBUILD RUN echo triggered
