FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
Run --mount=type=cache,target=/root/.cache go build ./...
COPY --from=build /out/app /usr/local/bin/app
User nobody
Add --checksum=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb https://example.com/f /f
COPY --chown=app:app --chmod=0755 --link script.sh /usr/bin/
COPY --from=0 / /
FROM scratch
Shell ["powershell", "-command"]
Copy  <<EOF /etc/config
key=value
EOF
