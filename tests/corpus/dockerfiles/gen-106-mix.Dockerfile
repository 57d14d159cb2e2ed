FROM alpine:3.19 AS build
ADD <<EOF /x
$HOME
EOF
#  just a comment
RUN echo after comment
RUN --mount=type=bind,from=build,source=/out,target=/in cp -r /in /dst
USER  1000:1000
COPY <<A <<B /dir/
a
A
b
B