FROM ${BASE:-busybox}
Env QUOTED="a b" ESCAPED=c\ d EMPTY=
RUN  <<'EOF'
echo $NOT_EXPANDED
EOF
ONBUILD COPY . /src
ENV LEGACY value with spaces
RUN ["broken json"
