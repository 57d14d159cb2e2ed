


FROM a


RUN x

