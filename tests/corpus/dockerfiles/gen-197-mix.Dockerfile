FROM ${BASE:-busybox}
ADD --unpack=false --link a.tar /x/
RUN echo trailing \
CMD  ["nginx", "-g", "daemon off;"]
RUN <<"EOF" sh -x
literal $X
EOF
#  just a comment
RUN echo after comment
RUN [not json]
