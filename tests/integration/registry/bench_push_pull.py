"""Push/pull throughput of a ~200 MB, 4-layer random image against a loopback docker-registry.

Run: .venv/bin/python tests/integration/registry/bench_push_pull.py   (not collected by pytest)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "archive"))

import regfixtures as conftest  # noqa: E402
from memimage import make_image  # noqa: E402

from dockyard.content.local import LocalContentStore  # noqa: E402
from dockyard.registry import open_image, push_image  # noqa: E402


def main() -> None:
    mib = 1 << 20
    img, _ = make_image([{"data": os.urandom(50 * mib)} for _ in range(4)], compress=False)
    total = sum(la.size for la in img.layers())
    with tempfile.TemporaryDirectory() as tmp:
        reg = conftest._start(Path(tmp), None)
        try:
            t0 = time.perf_counter()
            push_image(img, f"{reg.host}/bench:1")
            push_s = time.perf_counter() - t0
            store = LocalContentStore(os.path.join(tmp, "cs"))
            t0 = time.perf_counter()
            with open_image(f"{reg.host}/bench:1") as pulled:
                pulled.prefetch(store, jobs=4)
            pull_s = time.perf_counter() - t0
        finally:
            conftest._stop(reg)
    print(f"image {total / mib:.0f} MiB in 4 layers: push {total / mib / push_s:.0f} MiB/s ({push_s:.2f}s), "
          f"pull (verified into the content store) {total / mib / pull_s:.0f} MiB/s ({pull_s:.2f}s)")


if __name__ == "__main__":
    main()
