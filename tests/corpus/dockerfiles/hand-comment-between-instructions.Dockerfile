FROM a
# c1

# c2
RUN x
