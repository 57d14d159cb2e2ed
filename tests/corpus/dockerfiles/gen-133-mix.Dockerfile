FROM alpine:3.19 AS build
arg  QUOTED="x y"
RUN	echo	tabs
Run echo a \

    b
RUN echo one \
# a comment inside
    two
