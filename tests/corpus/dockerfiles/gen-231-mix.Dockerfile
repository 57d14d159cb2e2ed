from debian:12 as base
run	echo	tabs
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
Label single value with spaces
RUN <<"EOF" sh -x
literal $X
EOF