FROM alpine
COPY <<A <<B /dir/
a
A
b
B
