FROM a
   # indented comment
RUN x
