#!/usr/bin/env bash
# Install what dockyard and its tests need on a Debian 12 machine (as root), then the package in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
need=(python3 python3-venv busybox-static runc tini docker-registry skopeo apache2-utils iptables iproute2 debootstrap docker.io podman)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x .venv/bin/python ]; then /usr/bin/python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m compileall -q src/dockyard  # .pyc for fast CLI start-up (PYTHONDONTWRITEBYTECODE may be set)
.venv/bin/python -c "import dockyard"
