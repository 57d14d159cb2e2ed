FROM ${BASE:-busybox}
RUN python3 <<PY
print('hi')
PY
ONBUILD ADD --chown=1:1 a b
RUN echo hello
RUN ["echo", "exec form"]
