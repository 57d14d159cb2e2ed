FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
onbuild COPY . /src
Add --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
  Run   echo   leading whitespace   
STOPSIGNAL 9
Add  <<EOF /x
$HOME
EOF
RUN cat <<A && cat <<B
first
A
second
B
