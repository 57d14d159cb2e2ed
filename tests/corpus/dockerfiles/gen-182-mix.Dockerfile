FROM alpine
RUN apt-get update && \
    apt-get install -y curl && \
    rm -rf /var/lib/apt/lists/*
RUN <<-EOT bash
	echo tabbed
		more
	EOT
RUN echo trailing \
FROM scratch
ENV PATH=/usr/local/bin:$PATH LANG=C.UTF-8
VOLUME /a /b /c
ENV QUOTED="a b" ESCAPED=c\ d EMPTY=
