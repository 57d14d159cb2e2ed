FROM --platform=linux/arm64 busybox AS arm
RUN  echo a \

    b
RUN <<-EOT bash
	echo tabbed
		more
	EOT
ONBUILD RUN echo triggered
COPY --chown='x y' \
  src dst
WORKDIR $HOME/src
COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/
