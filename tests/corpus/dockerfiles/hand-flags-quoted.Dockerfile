FROM a
COPY --chown="a b" --chmod='755' x y
