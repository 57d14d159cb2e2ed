#!/usr/bin/env bash
# The guide's example, end to end, offline: a base image from the host's busybox, an app image,
# then a container's whole lifecycle.  Uses DOCKYARD_ROOT (default /var/lib/dockyard).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dy() { echo "+ dockyard $*" >&2; .venv/bin/dockyard "$@"; }
dy bootstrap busybox
# The app image: busybox + a page + WORKDIR/EXPOSE/CMD (the Dockerfile build lands with the build issue).
app=$(mktemp -d)
trap 'rm -rf "$app"' EXIT
mkdir -p "$app/app"
echo '<h1>hello from my-web-app</h1>' > "$app/app/index.html"
tar -C "$app" -c app | dy import -c 'WORKDIR /app' -c 'EXPOSE 3000' \
   -c 'CMD ["httpd", "-f", "-p", "3000", "-h", "/app"]' - my-web-app-content:1.0 >/dev/null
# layer the content over busybox by exporting a container that has both
cid=$(dy create busybox true)
tar -C "$app" -c app | dy cp - "$cid":/
dy export "$cid" | dy import -c 'WORKDIR /app' -c 'EXPOSE 3000' \
   -c 'CMD ["httpd", "-f", "-p", "3000", "-h", "/app"]' - my-web-app:1.0
dy rm "$cid" >/dev/null
dy rmi my-web-app-content:1.0 >/dev/null
dy images
dy rm -f web1 >/dev/null 2>&1 || true
dy run -d --name web1 my-web-app:1.0
dy ps
dy exec web1 sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc 127.0.0.1 3000'
dy inspect --format '{{.Name}} {{.State.Status}} pid={{.State.Pid}} image={{.Config.Image}}' web1
dy image inspect --format '{{.RepoTags}} {{json .Config.ExposedPorts}} layers={{len .RootFS.Layers}}' my-web-app:1.0
dy stop -t 1 web1
dy ps -a --filter name=web1
dy start web1
dy ps --filter name=web1 --format '{{.Names}}: {{.Status}}'
dy logs web1 || true
dy rm -f web1
dy system df
dy system check
echo "demo finished: the guide's example ran with dockyard in place of docker"
