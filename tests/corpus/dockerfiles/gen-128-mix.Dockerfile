FROM --platform=linux/arm64 busybox AS arm
COPY --from=0 / /
Onbuild COPY . /src
FROM registry.example.com:5000/team/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
COPY <<EOF /etc/config
key=value
EOF
ARG VERSION
COPY  --from=build /out/app /usr/local/bin/app
