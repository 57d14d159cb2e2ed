FROM alpine:3.19 AS build
RUN 3<<EOF cat /dev/fd/3
fd three
EOF
RUN  <<"EOF" sh -x
literal $X
EOF
