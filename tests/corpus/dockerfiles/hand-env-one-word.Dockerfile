FROM a
ENV lonely
