FROM ${BASE:-busybox}
ENV MULTI=one \
    TWO=two
COPY . /src
RUN <<-EOT bash
	echo tabbed
		more
	EOT
COPY ["file with space", "/dst/"]
ENV LEGACY value with spaces
RUN echo multi \
  \
  continued
FROM alpine:3.19 AS build
RUN echo 'single "quoted"' "double 'quoted'"
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
RUN echo one \
# a comment inside
    two
