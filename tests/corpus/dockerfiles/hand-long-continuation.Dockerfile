FROM a
RUN a \
 b \
 c \
 d \
 e \
 f
