#!/usr/bin/env bash
# Run the whole test suite (installs what it needs first).  Needs root for the privileged tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src/dockyard
.venv/bin/mypy src/dockyard
.venv/bin/pytest -q -p no:cacheprovider "$@"
