FROM alpine
Run 3<<EOF cat /dev/fd/3
fd three
EOF
RUN -- --not-a-flag
RUN echo trailing \
RUN  <<'EOF'
echo $NOT_EXPANDED
EOF
FROM alpine:3.19 AS build
RUN  echo 'single "quoted"' "double 'quoted'"
RUN --network=host --security=insecure make