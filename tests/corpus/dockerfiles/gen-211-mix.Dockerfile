from debian:12 as base
ONBUILD RUN echo triggered
COPY <<A <<B /dir/
a
A
b
B
EXPOSE ${PORT:-8080}
