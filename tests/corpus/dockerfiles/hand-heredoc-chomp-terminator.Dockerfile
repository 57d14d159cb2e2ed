FROM a
RUN <<-EOF
	body
		EOF
