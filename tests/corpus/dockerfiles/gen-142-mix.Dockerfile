FROM ${BASE:-busybox}
RUN <<-EOT bash
	echo tabbed
		more
	EOT
HEALTHCHECK NONE
CMD ["nginx", "-g", "daemon off;"]
RUN ["broken json"
ENV MULTI=one \
    TWO=two
WORKDIR $HOME/src
