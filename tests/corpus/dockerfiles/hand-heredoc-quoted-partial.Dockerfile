FROM a
RUN <<E"O"F
$x
EOF
