from debian:12 as base
run 3<<EOF cat /dev/fd/3
fd three
EOF
User ${APP_USER}
HEALTHCHECK NONE
