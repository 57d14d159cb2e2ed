FROM a
RUN a \
# c
