FROM alpine
ARG QUOTED="x y"
