FROM alpine
COPY <<EOF /etc/config
key=value
EOF
