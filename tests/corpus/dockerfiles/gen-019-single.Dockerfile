FROM alpine
RUN python3 <<PY
print('hi')
PY
