FROM alpine
RUN cat <<A && cat <<B
first
A
second
B
