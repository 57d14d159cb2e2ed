"""Metadata instructions: pure edits of an image config's ``config`` section.

``apply_metadata(ins, cfg, expand, expand_words)`` changes ``cfg`` (docker's container Config:
Env, Cmd, Entrypoint, Labels, ExposedPorts, Volumes, WorkingDir, User, StopSignal, Healthcheck,
Shell, OnBuild) and returns the text for the history entry's ``created_by``.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable
from typing import Any

from ..errors import InvalidArgument
from .dockerfile.instructions import (
    Cmd,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Instruction,
    Label,
    Onbuild,
    Shell,
    StopSignal,
    User,
    Volume,
    Workdir,
)

DEFAULT_SHELL = ["/bin/sh", "-c"]
DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NOP = "/bin/sh -c #(nop)  "

Expand = Callable[[str], str]
ExpandWords = Callable[[str], list[str]]


def go_list(items: list[str]) -> str:
    """Go's ``%q`` of a string slice, as docker writes commands in history: ``["sh" "-c" "x"]``."""
    return "[" + " ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def env_dict(cfg: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in cfg.get("Env") or []:
        k, _, v = e.partition("=")
        out[k] = v
    return out


def set_env(cfg: dict[str, Any], key: str, value: str) -> None:
    env = [e for e in cfg.get("Env") or [] if e.partition("=")[0] != key]
    # docker keeps the variable's original position when it is redefined
    old = [e.partition("=")[0] for e in cfg.get("Env") or []]
    if key in old:
        pos = old.index(key)
        env.insert(pos, f"{key}={value}")
    else:
        env.append(f"{key}={value}")
    cfg["Env"] = env


def command_of(cfg: dict[str, Any], command: tuple[str, ...], exec_form: bool) -> list[str]:
    if exec_form:
        return list(command)
    return list(cfg.get("Shell") or DEFAULT_SHELL) + list(command)


def _ports(words: list[str]) -> list[str]:
    out = []
    for w in words:
        port, _, proto = w.partition("/")
        proto = (proto or "tcp").lower()
        if proto not in ("tcp", "udp", "sctp"):
            raise InvalidArgument(f"invalid proto: {proto}")
        if ":" in port:
            raise InvalidArgument(f"invalid containerPort: {w}")
        lo, dash, hi = port.partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise InvalidArgument(f"invalid containerPort: {port}")
        if dash:
            out += [f"{p}/{proto}" for p in range(int(lo), int(hi) + 1)]
        else:
            out.append(f"{int(lo)}/{proto}")
    return out


def workdir_path(cfg: dict[str, Any], path: str) -> str:
    if not path.startswith("/"):
        path = posixpath.join(cfg.get("WorkingDir") or "/", path)
    return posixpath.normpath(path) if path != "/" else "/"


def apply_metadata(ins: Instruction, cfg: dict[str, Any], expand: Expand, expand_words: ExpandWords,
                   state: dict[str, bool]) -> str:
    """Apply one metadata instruction; returns its ``created_by``.  ``state["cmd_set"]`` tracks
    whether this stage set CMD (ENTRYPOINT clears an inherited CMD, as docker does)."""
    if isinstance(ins, Env):
        parts = []
        for p in ins.pairs:
            k, v = expand(p.key), expand(p.value)
            set_env(cfg, k, v)
            parts.append(f"{k}={v}")
        return NOP + "ENV " + " ".join(parts)
    if isinstance(ins, Label):
        labels = dict(cfg.get("Labels") or {})
        parts = []
        for p in ins.pairs:
            k, v = expand(p.key), expand(p.value)
            labels[k] = v
            parts.append(f"{k}={v}")
        cfg["Labels"] = labels
        return NOP + "LABEL " + " ".join(parts)
    if isinstance(ins, Cmd):
        cfg["Cmd"] = command_of(cfg, ins.command, ins.exec_form)
        state["cmd_set"] = True
        return NOP + "CMD " + go_list(cfg["Cmd"])
    if isinstance(ins, Entrypoint):
        cfg["Entrypoint"] = command_of(cfg, ins.command, ins.exec_form) if ins.command else None
        if not state.get("cmd_set"):
            cfg["Cmd"] = None
        return NOP + "ENTRYPOINT " + go_list(cfg["Entrypoint"] or [])
    if isinstance(ins, Expose):
        ports = dict(cfg.get("ExposedPorts") or {})
        words: list[str] = []
        for port in ins.ports:
            words += expand_words(port)
        new = _ports(words)
        for port in new:
            ports[port] = {}
        cfg["ExposedPorts"] = ports
        return NOP + "EXPOSE " + " ".join(new)
    if isinstance(ins, Workdir):
        wd = workdir_path(cfg, expand(ins.path))
        cfg["WorkingDir"] = wd
        return NOP + "WORKDIR " + wd
    if isinstance(ins, User):
        user = expand(ins.user)
        cfg["User"] = user
        return NOP + "USER " + user
    if isinstance(ins, Volume):
        vols = dict(cfg.get("Volumes") or {})
        paths = [expand(v) for v in ins.paths]
        for v in paths:
            if not v:
                raise InvalidArgument("VOLUME specified can not be an empty string")
            vols[v] = {}
        cfg["Volumes"] = vols
        return NOP + "VOLUME " + go_list(paths)
    if isinstance(ins, StopSignal):
        sig = expand(ins.signal)
        cfg["StopSignal"] = sig
        return NOP + "STOPSIGNAL " + sig
    if isinstance(ins, Healthcheck):
        hc: dict[str, Any] = {"Test": list(ins.test)}
        for name, value in (("Interval", ins.interval), ("Timeout", ins.timeout),
                            ("StartPeriod", ins.start_period), ("StartInterval", ins.start_interval),
                            ("Retries", ins.retries)):
            if value:
                hc[name] = value
        cfg["Healthcheck"] = hc
        return NOP + "HEALTHCHECK " + go_list(list(ins.test))
    if isinstance(ins, Shell):
        cfg["Shell"] = list(ins.shell)
        return NOP + "SHELL " + go_list(list(ins.shell))
    if isinstance(ins, Onbuild):
        cfg["OnBuild"] = list(cfg.get("OnBuild") or []) + [ins.expression]
        return NOP + "ONBUILD " + ins.expression
    raise InvalidArgument(f"not a metadata instruction: {ins.keyword}")
