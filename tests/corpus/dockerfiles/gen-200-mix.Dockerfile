FROM alpine:3.19 AS build
unknowninstr some args
RUN	echo	tabs
Healthcheck NONE
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
CMD nginx -g 'daemon off;'
RUN --network=host --security=insecure make
