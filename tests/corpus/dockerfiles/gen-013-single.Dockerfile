FROM alpine
RUN <<EOF
echo heredoc
EOF
