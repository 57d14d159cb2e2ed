FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
VOLUME /data
RUN  <<EOF
echo heredoc
EOF
RUN <<-EOT bash
	echo tabbed
		more
	EOT
COPY --chown='x y' \
  src dst
LABEL single value with spaces
Onbuild  COPY . /src
