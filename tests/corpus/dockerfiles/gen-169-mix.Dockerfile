FROM scratch
unknowninstr  some args
RUN ["echo", "exec form"]
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
