# syntax=docker/dockerfile:1
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
ADD <<EOF /x
$HOME
EOF
Cmd
EXPOSE 80
ENTRYPOINT exec top -b
RUN ["broken json"
RUN <<EOF
echo heredoc
EOF
FROM scratch
copy --chown=app:app --chmod=0755 --link script.sh /usr/bin/
RUN --network=host --security=insecure make
HEALTHCHECK NONE
