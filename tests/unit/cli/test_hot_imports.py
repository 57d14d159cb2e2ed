"""The commands people run all day stay lean: no typing, re, json, enum (and what they drag in) at
start-up.  Each costs several ms on a small machine; a refactoring that pulls one back in shows up
here, not only in the benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("typing", "re", "json", "enum", "contextlib", "datetime", "ipaddress", "shutil", "random", "threading")


def _modules_after(root: Path, *argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from dockyard.cli import main\n"
        f"code = main.main({['--root', str(root), *argv]!r})\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(p.stderr.split())


def test_ps_and_images_import_nothing_heavy(tmp_path: Path) -> None:
    for argv in (("ps", "-a"), ("ps", "-aq"), ("images",)):
        loaded = _modules_after(tmp_path, *argv)
        assert not [m for m in HEAVY if m in loaded], argv


def test_launcher_imports_nothing_heavy() -> None:
    launcher = Path(__file__).parents[3] / "bin" / "dockyard"
    p = subprocess.run([sys.executable, "-X", "importtime", str(launcher), "--version"], capture_output=True,
                       text=True, check=True)
    loaded = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if "|" in line}
    assert "dockyard.cli.main" in loaded
    assert not [m for m in HEAVY if m in loaded]
