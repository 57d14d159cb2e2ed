ARG BASE=alpine
FROM alpine
RUN echo a \

    b
CMD ["nginx", "-g", "daemon off;"]
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
ADD https://example.com/archive.tar.gz /tmp/
