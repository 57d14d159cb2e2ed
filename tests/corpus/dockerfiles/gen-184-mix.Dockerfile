from debian:12 as base
ONBUILD ENTRYPOINT ["/x"]
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
RUN cat <<A && cat <<B
first
A
second
B