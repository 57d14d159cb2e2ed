#!/usr/bin/env bash
# The guide's example, end to end, offline: a base image from the host's busybox, then
# `build -t my-web-app:1.0 .`, `run -d --name web1 -p ...`, list, inspect, stop, start, remove.
# Uses DOCKYARD_ROOT (default /var/lib/dockyard) and a free port (DEMO_PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dy() { echo "+ dockyard $*" >&2; .venv/bin/dockyard "$@"; }
port="${DEMO_PORT:-8080}"
dy bootstrap busybox

# The guide's Dockerfile shape (WORKDIR, COPY package*.json, RUN, COPY . ., EXPOSE, CMD) on busybox.
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
cat > "$app/Dockerfile" <<'DOCKERFILE'
FROM busybox:latest
WORKDIR /app
COPY package*.json ./
RUN mkdir -p node_modules && echo "dependencies installed" > node_modules/.installed
COPY . .
EXPOSE 3000
CMD ["httpd", "-f", "-p", "3000", "-h", "/app"]
DOCKERFILE
echo '{"name": "my-web-app", "version": "1.0.0"}' > "$app/package.json"
echo '<h1>hello from my-web-app</h1>' > "$app/index.html"
dy build -t my-web-app:1.0 "$app"
dy images
dy history my-web-app:1.0

dy rm -f web1 >/dev/null 2>&1 || true
dy run -d --name web1 -p "127.0.0.1:$port:3000" my-web-app:1.0
dy ps
for _ in $(seq 50); do
  if page=$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:$port/', timeout=2).read().decode().strip())" 2>/dev/null); then break; fi
  sleep 0.1
done
echo "GET http://127.0.0.1:$port/ -> ${page:-<no answer>}"
dy inspect --format '{{.Name}} {{.State.Status}} pid={{.State.Pid}} ip={{.NetworkSettings.IPAddress}} image={{.Config.Image}}' web1
dy image inspect --format '{{.RepoTags}} {{json .Config.ExposedPorts}} layers={{len .RootFS.Layers}}' my-web-app:1.0
dy stop web1
dy ps -a --filter name=web1
dy start web1
dy ps --filter name=web1 --format '{{.Names}}: {{.Status}} {{.Ports}}'
dy logs web1 || true
dy rm -f web1
dy system df
dy system check
echo "demo finished: the guide's example ran with dockyard in place of docker"
