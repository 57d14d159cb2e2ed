FROM alpine:3.19 AS build
RUN <<"EOF" sh -x
literal $X
EOF
run cat <<A && cat <<B
first
A
second
B
FROM ${BASE:-busybox}
#  just a comment
RUN echo after comment
COPY --from=build /out/app /usr/local/bin/app
  RUN   echo   leading whitespace   
