ARG BASE=alpine
FROM alpine
EXPOSE ${PORT:-8080}
ADD --chown="a b" src dst
SHELL  ["powershell", "-command"]
COPY <<EOF /etc/config
key=value
EOF
ONBUILD ADD --chown=1:1 a b
COPY --from=build /out/app /usr/local/bin/app
