FROM a
RUN ["<<EOF"]
RUN x
