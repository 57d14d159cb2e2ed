	FROM a
		RUN x
