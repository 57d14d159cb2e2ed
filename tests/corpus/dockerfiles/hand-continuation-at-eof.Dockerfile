FROM a
RUN a \