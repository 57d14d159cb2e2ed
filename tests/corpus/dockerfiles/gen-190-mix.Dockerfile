FROM --platform=$BUILDPLATFORM golang:1.22 AS builder
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
COPY --from=build /out/app /usr/local/bin/app
