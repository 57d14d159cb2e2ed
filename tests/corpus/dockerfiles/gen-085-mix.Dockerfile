from debian:12 as base
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
HEALTHCHECK --start-interval=1s CMD ["/bin/check", "--quick"]
ARG VERSION
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
run <<'EOF'
echo $NOT_EXPANDED
EOF
