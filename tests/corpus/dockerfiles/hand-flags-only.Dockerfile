FROM a
RUN --mount=type=tmpfs,target=/t
