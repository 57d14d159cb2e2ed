# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
RUN <<-EOT bash
	echo tabbed
		more
	EOT
LABEL maintainer="someone@example.com" version=1.0
ADD  <<EOF /x
$HOME
EOF
