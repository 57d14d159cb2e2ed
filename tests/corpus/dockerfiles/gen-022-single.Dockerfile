FROM alpine
ADD <<EOF /x
$HOME
EOF
