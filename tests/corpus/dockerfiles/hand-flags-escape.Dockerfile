FROM a
COPY --chown=a\ b x y
