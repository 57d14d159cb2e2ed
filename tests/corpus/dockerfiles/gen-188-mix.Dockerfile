FROM scratch
RUN python3 <<PY
print('hi')
PY
CMD
