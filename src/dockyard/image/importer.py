"""``docker import`` and ``dockyard bootstrap``: a filesystem tarball becomes a one-layer image."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import tarfile

from ..errors import InvalidArgument, NotFound
from ..snapshot.layers import LayerRecord
from .store import ImageStore, now_rfc3339

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, BinaryIO

CHANGE_INSTRUCTIONS = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER",
                       "VOLUME", "WORKDIR")


def _json_or_shell(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        try:
            val = json.loads(rest)
        except json.JSONDecodeError:
            val = None
        if isinstance(val, list) and all(isinstance(v, str) for v in val):
            return val
    return ["/bin/sh", "-c", rest]


def _pairs(rest: str, what: str) -> list[tuple[str, str]]:
    words = shlex.split(rest)
    if not words:
        raise InvalidArgument(f"{what} requires at least one argument")
    if "=" not in words[0]:  # legacy "ENV KEY value with spaces"
        key, _, value = rest.strip().partition(" ")
        return [(key, value.strip())]
    out = []
    for w in words:
        if "=" not in w:
            raise InvalidArgument(f"{what} names can not be blank: {w!r} (use KEY=VALUE)")
        k, v = w.split("=", 1)
        out.append((k, v))
    return out


def apply_changes(config: dict[str, Any], changes: Sequence[str]) -> dict[str, Any]:
    """Apply ``--change`` Dockerfile instructions to an image's ``config`` section."""
    cfg = dict(config)
    for change in changes:
        keyword, _, rest = change.strip().partition(" ")
        kw = keyword.upper()
        if kw not in CHANGE_INSTRUCTIONS:
            raise InvalidArgument(f"{keyword} is not a valid change command")
        if not rest.strip():
            raise InvalidArgument(f"{kw} requires at least one argument")
        if kw == "CMD":
            cfg["Cmd"] = _json_or_shell(rest)
        elif kw == "ENTRYPOINT":
            cfg["Entrypoint"] = _json_or_shell(rest)
        elif kw == "ENV":
            env = [e for e in cfg.get("Env") or []]
            for k, v in _pairs(rest, "ENV"):
                env = [e for e in env if e.split("=", 1)[0] != k] + [f"{k}={v}"]
            cfg["Env"] = env
        elif kw == "LABEL":
            labels = dict(cfg.get("Labels") or {})
            labels.update(_pairs(rest, "LABEL"))
            cfg["Labels"] = labels
        elif kw == "EXPOSE":
            ports = dict(cfg.get("ExposedPorts") or {})
            for p in rest.split():
                port, _, proto = p.partition("/")
                if not port.isdigit():
                    raise InvalidArgument(f"invalid containerPort: {p}")
                ports[f"{port}/{proto or 'tcp'}"] = {}
            cfg["ExposedPorts"] = ports
        elif kw == "VOLUME":
            vols = dict(cfg.get("Volumes") or {})
            for v in _json_or_shell(rest) if rest.strip().startswith("[") else rest.split():
                vols[v] = {}
            cfg["Volumes"] = vols
        elif kw == "WORKDIR":
            cfg["WorkingDir"] = os.path.join(cfg.get("WorkingDir") or "/", rest.strip())
        elif kw == "USER":
            cfg["User"] = rest.strip()
        elif kw == "STOPSIGNAL":
            cfg["StopSignal"] = rest.strip()
        elif kw == "ONBUILD":
            cfg["OnBuild"] = list(cfg.get("OnBuild") or []) + [rest.strip()]
    return cfg


def import_tarball(images: ImageStore, stream: BinaryIO, *, tags: Sequence[str] = (),
                   changes: Sequence[str] = (), message: str = "", source: str = "-",
                   created: str | None = None) -> str:
    """Create an image whose single layer is the (optionally compressed) tarball ``stream``."""
    base_cfg = apply_changes({}, changes)  # validate before touching the store
    rec = images.layers.create_from_tar("", stream)
    created = created or now_rfc3339()
    config: dict[str, Any] = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": base_cfg,
        "rootfs": {"type": "layers", "diff_ids": [rec.diff_id]},
        "history": [{"created": created, "created_by": "",
                     "comment": message or f"Imported from {source}"}],
    }
    if not base_cfg:
        config["config"] = {}
    return images.put_image(config, [rec], list(tags))


def busybox_rootfs_tar(busybox: str = "/bin/busybox") -> tuple[bytes, int]:
    """A tar of a minimal rootfs around the host's static busybox (Debian busybox-static)."""
    if not os.path.exists(busybox):
        raise NotFound(f"{busybox} not found: install Debian's busybox-static (apt-get install busybox-static)")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
    st = os.stat(busybox)
    mtime = int(st.st_mtime)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add_dir(name: str, mode: int = 0o755) -> None:
            ti = tarfile.TarInfo(name)
            ti.type = tarfile.DIRTYPE
            ti.mode = mode
            ti.mtime = mtime
            tar.addfile(ti)

        def add_file(name: str, data: bytes, mode: int = 0o644) -> None:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = mode
            ti.mtime = mtime
            tar.addfile(ti, io.BytesIO(data))

        for d in ("bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "usr/bin", "usr/sbin",
                  "var", "var/spool", "var/www", "sbin"):
            add_dir(d, 0o1777 if d == "tmp" else (0o700 if d == "root" else 0o755))
        with open(busybox, "rb") as f:
            add_file("bin/busybox", f.read(), 0o755)
        for name in sorted(set(applets)):
            if name == "busybox":
                continue
            ti = tarfile.TarInfo(f"bin/{name}")
            ti.type = tarfile.SYMTYPE
            ti.linkname = "busybox"
            ti.mode = 0o777
            ti.mtime = mtime
            tar.addfile(ti)
        add_file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                 b"bin:x:2:2:bin:/bin:/bin/false\nwww-data:x:33:33:www-data:/var/www:/bin/false\n"
                 b"nobody:x:65534:65534:nobody:/home:/bin/false\n")
        add_file("etc/group", b"root:x:0:\ndaemon:x:1:\nbin:x:2:\ntty:x:5:\nwheel:x:10:root\n"
                 b"www-data:x:33:\nnogroup:x:65534:\n")
        add_file("etc/hostname", b"")
        add_file("etc/os-release", b'NAME="Busybox"\nID=busybox\n')
    return buf.getvalue(), mtime


def bootstrap_busybox(images: ImageStore, tag: str = "busybox:latest") -> str:
    from datetime import UTC, datetime

    data, mtime = busybox_rootfs_tar()
    created = datetime.fromtimestamp(mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return import_tarball(images, io.BytesIO(data), tags=[tag], changes=['CMD ["sh"]'],
                          message="busybox rootfs from the host's busybox-static", created=created)


def bootstrap_debian(images: ImageStore, tag: str = "debian:bookworm", *, suite: str = "bookworm",
                     mirror: str | None = None, cache_dir: str | None = None) -> str:
    """A Debian rootfs made with ``debootstrap --variant=minbase`` (minutes; the tarball is cached)."""
    import shutil
    import tempfile

    if shutil.which("debootstrap") is None:
        raise NotFound("debootstrap not found: apt-get install debootstrap")
    cache_dir = cache_dir or os.path.join(images.store.root, "cache")
    os.makedirs(cache_dir, exist_ok=True)
    cached = os.path.join(cache_dir, f"debian-{suite}-minbase.tar")
    if not os.path.exists(cached):
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            rootfs = os.path.join(tmp, "rootfs")
            cmd = ["debootstrap", "--variant=minbase", suite, rootfs]
            if mirror:
                cmd.append(mirror)
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["failed"]
                raise InvalidArgument(f"debootstrap failed: {tail[0]}")
            subprocess.run(["tar", "--numeric-owner", "-C", rootfs, "-cf", cached + ".tmp", "."], check=True)
            os.rename(cached + ".tmp", cached)
    with open(cached, "rb") as f:
        return import_tarball(images, f, tags=[tag], changes=['CMD ["bash"]'],
                              message=f"debootstrap --variant=minbase {suite}")


__all__ = ["apply_changes", "bootstrap_busybox", "bootstrap_debian", "import_tarball", "LayerRecord"]
