FROM --platform=linux/arm64 busybox AS arm
ADD  --unpack=false --link a.tar /x/
copy <<EOF /etc/config
key=value
EOF
