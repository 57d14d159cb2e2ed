FROM a
RUN echo \<<EOF
RUN x
