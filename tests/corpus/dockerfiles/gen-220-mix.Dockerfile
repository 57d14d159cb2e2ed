FROM scratch
Add  <<EOF /x
$HOME
EOF
VOLUME /data
