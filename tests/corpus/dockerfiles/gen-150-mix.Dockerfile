# syntax=docker/dockerfile:1
FROM --platform=linux/arm64 busybox AS arm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=build /out/app /usr/local/bin/app
RUN <<'EOF'
echo $NOT_EXPANDED
EOF
STOPSIGNAL 9
RUN <<EOF
echo heredoc
EOF
ENV  QUOTED="a b" ESCAPED=c\ d EMPTY=
FROM alpine:3.19 AS build
WORKDIR /app
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD curl -f http://localhost/ || exit 1
