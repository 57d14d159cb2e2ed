FROM alpine
RUN <<-EOT bash
	echo tabbed
		more
	EOT
