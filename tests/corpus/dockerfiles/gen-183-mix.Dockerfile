FROM scratch
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
ONBUILD ENTRYPOINT ["/x"]
#  just a comment
RUN echo after comment
COPY --parents --exclude=*.tmp ./a/ ./b/ /dst/
USER ${APP_USER}
RUN cat <<A && cat <<B
first
A
second
B
