FROM --platform=linux/arm64 busybox AS arm
WORKDIR $HOME/src
COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/
CMD
