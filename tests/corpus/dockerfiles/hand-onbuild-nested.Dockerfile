FROM a
ONBUILD RUN --mount=type=cache,target=/x echo
ONBUILD onbuild x
