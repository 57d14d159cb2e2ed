"""Docker's inspect JSON for containers and images (engine data; the CLI and API both use it)."""

from __future__ import annotations

import os

from .container.model import Container
from .engine import Engine

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _config_section(cfg: dict[str, Any]) -> dict[str, Any]:
    keys = ("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts",
            "Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Image", "Volumes", "WorkingDir", "Entrypoint",
            "OnBuild", "Labels")
    out = {k: cfg.get(k) for k in keys}
    out["AttachStdin"] = bool(out["AttachStdin"])
    out["AttachStdout"] = bool(out["AttachStdout"])
    out["AttachStderr"] = bool(out["AttachStderr"])
    out["Tty"] = bool(out["Tty"])
    out["OpenStdin"] = bool(out["OpenStdin"])
    out["StdinOnce"] = bool(out["StdinOnce"])
    out["Hostname"] = out["Hostname"] or ""
    out["Domainname"] = out["Domainname"] or ""
    out["User"] = out["User"] or ""
    out["WorkingDir"] = out["WorkingDir"] or ""
    out["Image"] = out["Image"] or ""
    if out["Labels"] is None:
        out["Labels"] = {}
    for k in ("StopSignal", "StopTimeout"):
        if k in cfg:
            out[k] = cfg[k]
    return out


def container_json(engine: Engine, c: Container, *, size: bool = False) -> dict[str, Any]:
    svc = engine.containers
    d = engine.store.container_dir(c.id)
    try:
        lowers = engine.images.lowerdirs(c.image_id)
    except Exception:  # noqa: BLE001
        lowers = []
    args = list(c.config.get("Entrypoint") or []) + list(c.config.get("Cmd") or [])
    state = {
        "Status": c.status, "Running": c.status in ("running", "paused"), "Paused": c.status == "paused",
        "Restarting": c.status == "restarting", "OOMKilled": c.oom_killed, "Dead": c.status == "dead",
        "Pid": c.pid if c.status in ("running", "paused") else 0, "ExitCode": c.exit_code, "Error": c.error,
        "StartedAt": c.started_at or "0001-01-01T00:00:00Z", "FinishedAt": c.finished_at or "0001-01-01T00:00:00Z",
    }
    hc = dict(c.host_config)
    out: dict[str, Any] = {
        "Id": c.id,
        "Created": c.created,
        "Path": args[0] if args else "",
        "Args": args[1:],
        "State": state,
        "Image": c.image_id,
        "ResolvConfPath": os.path.join(d, "resolv.conf"),
        "HostnamePath": os.path.join(d, "hostname"),
        "HostsPath": os.path.join(d, "hosts"),
        "LogPath": svc.log_path(c.id),
        "Name": "/" + c.name,
        "RestartCount": c.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": None,
        "HostConfig": hc,
        "GraphDriver": {
            "Data": {"LowerDir": ":".join(lowers), "MergedDir": os.path.join(d, "rootfs"),
                     "UpperDir": os.path.join(d, "upper"), "WorkDir": os.path.join(d, "work")},
            "Name": "overlay2",
        },
        "Mounts": _mounts(engine, c),
        "Config": _config_section(c.config),
        "NetworkSettings": _network_settings(engine, c),
    }
    if size:
        out["SizeRw"] = svc.size_rw(c)
        out["SizeRootFs"] = out["SizeRw"] + _image_size(engine, c.image_id)
    return out


def _mounts(engine: Engine, c: Container) -> list[dict[str, Any]]:
    if not c.host_config.get("Mounts"):
        return []
    from .volume import glue
    return glue.inspect_mounts(engine.root, c.id, c.host_config)


def _network_settings(engine: Engine, c: Container) -> dict[str, Any]:
    from .container import netsetup
    try:
        return netsetup.settings(engine.root, c.id)
    except Exception:  # noqa: BLE001 - a record from before networking: docker's empty shape
        return {"Bridge": "", "SandboxID": "", "Ports": {}, "SandboxKey": "", "IPAddress": "", "Gateway": "",
                "MacAddress": "", "Networks": {}}


def _image_size(engine: Engine, image_id: str) -> int:
    try:
        return int(engine.images.record(image_id).size)
    except Exception:  # noqa: BLE001
        return 0


def image_json(engine: Engine, ref: str) -> dict[str, Any]:
    images = engine.images
    img = images.open(ref)
    rec = images.record(img.id)
    cfg = img.config()
    ccfg = dict(cfg.get("config") or {})
    config = {
        "Hostname": "", "Domainname": "", "User": ccfg.get("User", ""), "AttachStdin": False,
        "AttachStdout": False, "AttachStderr": False, "ExposedPorts": ccfg.get("ExposedPorts"),
        "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": ccfg.get("Env"), "Cmd": ccfg.get("Cmd"),
        "Image": "", "Volumes": ccfg.get("Volumes"), "WorkingDir": ccfg.get("WorkingDir", ""),
        "Entrypoint": ccfg.get("Entrypoint"), "OnBuild": ccfg.get("OnBuild"), "Labels": ccfg.get("Labels"),
    }
    if ccfg.get("StopSignal"):
        config["StopSignal"] = ccfg["StopSignal"]
    if ccfg.get("Healthcheck"):
        config["Healthcheck"] = ccfg["Healthcheck"]
    lowers = images.lowerdirs(img.id)
    return {
        "Id": img.id,
        "RepoTags": list(rec.tags),
        "RepoDigests": list(rec.repo_digests),
        "Parent": "",
        "Comment": (cfg.get("history") or [{}])[-1].get("comment", "") if cfg.get("history") else "",
        "Created": cfg.get("created", ""),
        "DockerVersion": "",
        "Author": cfg.get("author", ""),
        "Config": config,
        "Architecture": cfg.get("architecture", "amd64"),
        "Os": cfg.get("os", "linux"),
        "Size": rec.size,
        "VirtualSize": rec.size,
        "GraphDriver": {"Data": {"LowerDir": ":".join(lowers[1:]) or None, "MergedDir": None,
                                 "UpperDir": lowers[0] if lowers else None, "WorkDir": None},
                        "Name": "overlay2"},
        "RootFS": {"Type": "layers", "Layers": list((cfg.get("rootfs") or {}).get("diff_ids") or [])},
        "Metadata": {"LastTagTime": rec.added},
    }
