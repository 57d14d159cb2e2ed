FROM alpine
COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/
