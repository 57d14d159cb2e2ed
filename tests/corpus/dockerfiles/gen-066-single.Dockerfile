FROM alpine
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
