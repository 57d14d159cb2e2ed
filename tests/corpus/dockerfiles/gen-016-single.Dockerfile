FROM alpine
RUN <<"EOF" sh -x
literal $X
EOF
