ARG BASE=alpine
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ADD --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
VOLUME  ["/var/log", "/var/db"]
run echo multi \
  \
  continued
ADD <<EOF /x
$HOME
EOF
