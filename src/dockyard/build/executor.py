"""The build: a fold over the needed stages' instructions, each step cached by key.

``Builder(store, options, listener).build()`` parses the Dockerfile, plans the stages the target
needs, and runs each instruction as a *step*:

    key = sha256(parent key, instruction after expansion, digests of the step's inputs)

A hit in the build cache replaces the step by its recorded result (config + layer chain); a miss
runs it (RUN in a build container, COPY/ADD into a staging directory, metadata as config edits),
records it, and says why it missed.  Every instruction appends one history entry.  The image is
written and tagged only when every step succeeded.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import posixpath
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import DockerfileSyntaxError, ImageNotFound, InvalidArgument
from ..image.store import ImageStore
from ..snapshot.layers import LayerRecord, LayerStore
from ..snapshot.lookup import read_merged_file
from ..store import Store
from . import progress as ev
from .cache import BuildCache, build_dir
from .context import BuildContext, is_excluded, parse_dockerignore
from .copy import Item, Reuse, ensure_parents, merged_lstat, parse_chmod, plan_items, tree_walker, write_items
from .dockerfile import Expander, Stage, global_args, parse_dockerfile
from .dockerfile.args import PROXY_ARGS, Platform, default_platform
from .dockerfile.instructions import (
    Add,
    Arg,
    Copy,
    From,
    Instruction,
    Maintainer,
    Mount,
    Run,
    Workdir,
    parse_instruction,
    parse_mount,
)
from .dockerfile.parser import parse as parse_nodes
from .errors import BuildInputError, StepFailed
from .metadata import DEFAULT_PATH, NOP, apply_metadata, command_of, env_dict, go_list, workdir_path
from .planner import plan_stages, stage_ref
from .run import (
    RunRequest,
    discard_workspace,
    keep_failed,
    merged_view,
    new_workspace,
    remove_mountpoints,
    run_container,
)


@dataclass
class BuildOptions:
    context: BuildContext
    dockerfile: str
    tags: list[str] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    no_cache: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    network: str = "default"
    secrets: dict[str, str] = field(default_factory=dict)   # id -> host file
    platform: str | None = None
    source_date_epoch: int | None = None
    runtime: str = "native"


@dataclass(frozen=True)
class BuildResult:
    image_id: str
    steps: int
    cached: int


@dataclass
class _StageState:
    stage: Stage
    label: str
    config: dict[str, Any]
    layers: list[LayerRecord]
    key: str
    args: dict[str, str] = field(default_factory=dict)
    cmd_set: bool = False
    rebuilt: bool = False
    total: int = 0
    index: int = 0


PIPES = "/dev/pipes"  # where heredoc scripts with a #! line are mounted (under /dev: not in layers)


def _sha(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


def _is_url(src: str) -> bool:
    return "://" in src or src.startswith("git@")


class Builder:
    def __init__(self, store: Store, options: BuildOptions, listener: ev.Listener = ev.ignore) -> None:
        self.store = store
        self.opts = options
        self.emit = listener
        self.images = ImageStore(store)
        self.layers = LayerStore(store)
        self.cache = BuildCache(store)
        self.ctx = options.context
        self.step_no = 0
        self.cached = 0
        self.built: dict[int, _StageState] = {}
        self.sde = options.source_date_epoch
        self.consumed: set[str] = set()

    # --- the whole build ---------------------------------------------------------------------

    def build(self) -> BuildResult:
        if self.ctx.persistent:
            self.ctx.known = self.cache.file_digests(self.ctx.root)
        try:
            return self._build()
        finally:
            if self.ctx.persistent and self.ctx.fresh:
                self.cache.save_file_digests(self.ctx.root, self.ctx.fresh)

    def _build(self) -> BuildResult:
        if self.opts.platform:
            want, host = Platform.parse(self.opts.platform), default_platform()
            if (want.os, want.architecture) != (host.os, host.architecture):
                raise BuildInputError(f"cannot build for platform {want} on {host}: cross-platform builds "
                                      "are not supported")
        df = parse_dockerfile(self.opts.dockerfile)
        self.df = df
        self.expander = Expander(df.escape)
        scope = global_args(df, self.opts.build_args, platform=self.opts.platform, target=self.opts.target)
        self.consumed.update(d.key for a in df.global_args for d in a.args)
        self.scope = scope
        bases: dict[int, str] = {}
        for st in df.stages:
            try:
                bases[st.index] = self.expander.expand_word(st.base, scope)
            except InvalidArgument as err:
                raise DockerfileSyntaxError(err.message, line=st.from_.line) from None
        self.bases = bases
        order = plan_stages(df, self.opts.target, bases)
        multi = len(order) > 1
        last: _StageState | None = None
        for st in order:
            label = (st.name or f"stage-{st.index}") if multi else ""
            last = self._build_stage(st, label)
            self.built[st.index] = last
        assert last is not None
        config, layers = last.config, last.layers
        if self.opts.labels:
            config, layers = self._final_labels(last)
        unused = sorted(k for k in self.opts.build_args if k not in self.consumed and k not in PROXY_ARGS
                        and k != "SOURCE_DATE_EPOCH")
        if unused:
            self.emit(ev.BuildMessage(f"[Warning] One or more build-args {unused} were not consumed"))
        image_id = self.images.put_image(config, layers, tags=self.opts.tags)
        return BuildResult(image_id, self.step_no, self.cached)

    def _final_labels(self, s: _StageState) -> tuple[dict[str, Any], list[LayerRecord]]:
        key = _sha(s.key, "LABELS " + json.dumps(self.opts.labels, sort_keys=True))
        hit = None if self.opts.no_cache else self.cache.get(key)
        if hit is not None:
            return hit.config, hit.layers
        config = copy.deepcopy(s.config)
        labels = dict(config["config"].get("Labels") or {})
        labels.update(self.opts.labels)
        config["config"]["Labels"] = labels
        self.cache.put(key, s.key, "--label", {}, config, s.layers)
        return config, s.layers

    # --- stages --------------------------------------------------------------------------------

    def _now(self) -> str:
        return _rfc3339(self.sde if self.sde is not None else time.time())

    def _build_stage(self, st: Stage, label: str) -> _StageState:
        s = self._from(st, label)
        triggers = self._onbuild_triggers(s, st.from_)
        s.total = 1 + len(triggers) + len(st.instructions)
        self._from_step(s, st.from_)
        for ins in triggers:
            self._instruction(s, ins, prefix="ONBUILD ")
        for ins in st.instructions:
            self._instruction(s, ins)
        return s

    def _from(self, st: Stage, label: str) -> _StageState:
        base = self.bases[st.index]
        dep = stage_ref(self.df, base, before=st.index)
        if base.lower() == "scratch":
            plat = default_platform()
            config: dict[str, Any] = {
                "architecture": plat.architecture, "os": plat.os,
                "config": {"Env": [DEFAULT_PATH]},
                "rootfs": {"type": "layers", "diff_ids": []}, "history": [],
            }
            if plat.variant:
                config["variant"] = plat.variant
            return _StageState(st, label, config, [], _sha("scratch", plat.architecture))
        if dep is not None and dep.index in self.built:
            prev = self.built[dep.index]
            return _StageState(st, label, copy.deepcopy(prev.config), list(prev.layers), prev.key)
        try:
            image_id = self.images.resolve(base)
        except (ImageNotFound, InvalidArgument):
            raise BuildInputError(
                f"failed to resolve source metadata for {base}: no such image in the local store "
                "(dockyard build does not pull: run 'dockyard pull' or 'dockyard load' first)",
                line=st.from_.line) from None
        img = self.images.open(image_id)
        raw = img.config()
        config = {k: copy.deepcopy(raw[k]) for k in ("architecture", "os", "variant", "os.version",
                                                     "author", "config", "rootfs", "history") if k in raw}
        config.setdefault("config", {})
        config.setdefault("history", [])
        config["rootfs"] = {"type": "layers", "diff_ids": list(raw.get("rootfs", {}).get("diff_ids", []))}
        recs = [self.layers.get(c) for c in img.chain_ids]
        return _StageState(st, label, config, recs, _sha("image", image_id))

    def _onbuild_triggers(self, s: _StageState, frm: From) -> list[Instruction]:
        exprs = list(s.config["config"].get("OnBuild") or [])
        if not exprs:
            return []
        s.config["config"]["OnBuild"] = None
        out = []
        for expr in exprs:
            try:
                nodes = parse_nodes(expr).nodes
                for node in nodes:
                    out.append(parse_instruction(node))
            except DockerfileSyntaxError as err:
                raise BuildInputError(f"invalid ONBUILD trigger {expr!r} in base image: {err.message}",
                                      line=frm.line) from None
        return out

    # --- steps ----------------------------------------------------------------------------------

    def _name(self, s: _StageState, text: str) -> str:
        s.index += 1
        where = f"{s.label} {s.index}/{s.total}" if s.label else f"{s.index}/{s.total}"
        return f"[{where}] {text}"

    def _from_step(self, s: _StageState, frm: From) -> None:
        self.step_no += 1
        self.emit(ev.StepStarted(self.step_no, self._name(s, frm.original)))
        self.emit(ev.StepCached(self.step_no))

    def _env(self, s: _StageState) -> dict[str, str]:
        return {**s.args, **env_dict(s.config["config"])}

    def _expand(self, s: _StageState, line: int) -> tuple[Callable[[str], str], Callable[[str], list[str]]]:
        env = self._env(s)

        def word(w: str) -> str:
            try:
                return self.expander.expand_word(w, env)
            except InvalidArgument as err:
                raise DockerfileSyntaxError(err.message, line=line) from None

        def words(w: str) -> list[str]:
            try:
                return self.expander.expand_words(w, env)
            except InvalidArgument as err:
                raise DockerfileSyntaxError(err.message, line=line) from None

        return word, words

    def _step(self, s: _StageState, ins: Instruction, description: str, inputs: dict[str, str],
              produce: Callable[[int], tuple[dict[str, Any], list[LayerRecord]]], prefix: str = "") -> None:
        key = _sha(s.key, description, json.dumps(inputs, sort_keys=True))
        self.step_no += 1
        number = self.step_no
        name = self._name(s, prefix + ins.original)
        hit = None if self.opts.no_cache else self.cache.get(key)
        if hit is not None:
            self.emit(ev.StepStarted(number, name))
            self.emit(ev.StepCached(number))
            self.cached += 1
            s.config, s.layers, s.key, s.rebuilt = hit.config, hit.layers, key, False
            return
        self.emit(ev.StepStarted(number, name, self._miss_reason(s, description, inputs)))
        t0 = time.monotonic()
        try:
            config, layers = produce(number)
        except Exception as err:
            self.emit(ev.StepError(number, time.monotonic() - t0, str(err)))
            raise
        self.emit(ev.StepDone(number, time.monotonic() - t0))
        self.cache.put(key, s.key, description, inputs, config, layers)
        s.config, s.layers, s.key, s.rebuilt = config, layers, key, True

    def _miss_reason(self, s: _StageState, description: str, inputs: dict[str, str]) -> str:
        if self.opts.no_cache:
            return "cache disabled (--no-cache)"
        if s.rebuilt:
            return "cache miss: the previous step was rebuilt"
        prev = self.cache.previous_inputs(s.key, description)
        if prev is not None:
            changes = [f"{_input_name(k)} changed" for k in sorted(inputs) if k in prev and prev[k] != inputs[k]]
            changes += [f"{_input_name(k)} added" for k in sorted(inputs) if k not in prev]
            changes += [f"{_input_name(k)} removed" for k in sorted(prev) if k not in inputs]
            if changes:
                more = f" (and {len(changes) - 3} more)" if len(changes) > 3 else ""
                return "cache miss: " + ", ".join(changes[:3]) + more
            return "cache miss: the cached result's layers were removed"
        if self.cache.has_parent(s.key):
            return "cache miss: instruction changed"
        return "cache miss: no previous build of this step"

    def _history(self, config: dict[str, Any], created_by: str, empty: bool) -> None:
        now = self._now()
        entry: dict[str, Any] = {"created": now, "created_by": created_by, "comment": "buildkit.dockerfile.v0"}
        if empty:
            entry["empty_layer"] = True
        config.setdefault("history", []).append(entry)
        config["created"] = now

    def _with_layer(self, s: _StageState, rec: LayerRecord | None, created_by: str
                    ) -> tuple[dict[str, Any], list[LayerRecord]]:
        config = copy.deepcopy(s.config)
        layers = list(s.layers)
        if rec is not None:
            config["rootfs"]["diff_ids"].append(rec.diff_id)
            layers.append(rec)
        self._history(config, created_by, rec is None)
        return config, layers

    def _lowers(self, layers: list[LayerRecord]) -> list[str]:
        return self.layers.lowerdirs([r.chain_id for r in layers])

    # --- instructions ---------------------------------------------------------------------------

    def _instruction(self, s: _StageState, ins: Instruction, prefix: str = "") -> None:
        if isinstance(ins, Run):
            self._run(s, ins, prefix)
        elif isinstance(ins, (Copy, Add)):
            self._copy(s, ins, prefix)
        elif isinstance(ins, Arg):
            self._arg(s, ins, prefix)
        elif isinstance(ins, Workdir):
            self._workdir(s, ins, prefix)
        elif isinstance(ins, Maintainer):
            def produce_m(_: int) -> tuple[dict[str, Any], list[LayerRecord]]:
                config = copy.deepcopy(s.config)
                config["author"] = ins.maintainer
                self._history(config, NOP + "MAINTAINER " + ins.maintainer, True)
                return config, list(s.layers)
            self._step(s, ins, "MAINTAINER " + ins.maintainer, {}, produce_m, prefix)
        else:
            self._metadata(s, ins, prefix)

    def _metadata(self, s: _StageState, ins: Instruction, prefix: str) -> None:
        word, words = self._expand(s, ins.line)
        config = copy.deepcopy(s.config)
        state = {"cmd_set": s.cmd_set}
        try:
            created_by = apply_metadata(ins, config["config"], word, words, state)
        except DockerfileSyntaxError:
            raise
        except InvalidArgument as err:
            raise DockerfileSyntaxError(err.message, line=ins.line) from None
        s.cmd_set = state["cmd_set"]

        def produce(_: int) -> tuple[dict[str, Any], list[LayerRecord]]:
            self._history(config, created_by, True)
            return config, list(s.layers)

        self._step(s, ins, created_by, {}, produce, prefix)

    def _arg(self, s: _StageState, ins: Arg, prefix: str) -> None:
        word, _ = self._expand(s, ins.line)
        parts = []
        for d in ins.args:
            self.consumed.add(d.key)
            if d.key in self.opts.build_args:
                s.args[d.key] = self.opts.build_args[d.key]
            elif d.default is not None:
                s.args[d.key] = word(d.default)
            elif d.key in self.scope:
                s.args[d.key] = self.scope[d.key]
            parts.append(f"{d.key}={d.default}" if d.default is not None else d.key)
        created_by = NOP + "ARG " + " ".join(parts)
        inputs = {f"arg:{d.key}": s.args.get(d.key, "") for d in ins.args}

        def produce(_: int) -> tuple[dict[str, Any], list[LayerRecord]]:
            config = copy.deepcopy(s.config)
            self._history(config, created_by, True)
            return config, list(s.layers)

        self._step(s, ins, created_by, inputs, produce, prefix)

    def _owner(self, s: _StageState, lowers: list[str], spec: str) -> tuple[int, int]:
        from ..runtime.spec import resolve_user
        uid, gid, _ = resolve_user(spec, lambda p: read_merged_file(lowers, p))
        if ":" not in spec and spec.isdigit():
            gid = uid
        return uid, gid

    def _workdir(self, s: _StageState, ins: Workdir, prefix: str) -> None:
        word, _ = self._expand(s, ins.line)
        path = workdir_path(s.config["config"], word(ins.path))
        created_by = NOP + "WORKDIR " + path

        def produce(_: int) -> tuple[dict[str, Any], list[LayerRecord]]:
            lowers = self._lowers(s.layers)
            rec = None
            below = merged_lstat(lowers, path) if s.layers else None
            if path != "/" and below is None:
                ws = new_workspace(self.store)
                upper = os.path.join(ws, "upper")
                try:
                    user = s.config["config"].get("User") or ""
                    owner = self._owner(s, lowers, user) if user and s.layers else (0, 0)
                    mtime = float(self.sde) if self.sde is not None else time.time()
                    ensure_parents(upper, lowers, path + "/x", owner=owner, mtime=mtime)
                    rec = self.layers.add_from_dir(self._parent_chain(s), upper, clamp_mtime=self.sde)
                finally:
                    discard_workspace(self.store, ws)
            config, layers = self._with_layer(s, rec, created_by)
            config["config"]["WorkingDir"] = path
            return config, layers

        self._step(s, ins, created_by, {}, produce, prefix)

    def _parent_chain(self, s: _StageState) -> str:
        return s.layers[-1].chain_id if s.layers else ""

    # --- RUN -----------------------------------------------------------------------------------

    def _run(self, s: _StageState, ins: Run, prefix: str) -> None:
        word, _ = self._expand(s, ins.line)
        cfg = s.config["config"]
        try:
            mounts = [parse_mount(spec, word) for spec in ins.mount_specs]
        except DockerfileSyntaxError:
            raise
        except InvalidArgument as err:
            raise DockerfileSyntaxError(err.message, line=ins.line) from None
        args = self._run_args(cfg, ins)
        network = ins.network if ins.network != "default" else self.opts.network
        network = "host" if network == "host" else "none"
        inputs = {f"arg:{k}": v for k, v in s.args.items()}
        mount_desc = []
        for m in mounts:
            if m.type == "secret":
                mount_desc.append(f"secret:{m.id or m.target}->{m.target}")
                continue
            mount_desc.append(f"{m.type}:{m.from_}:{m.source}->{m.target}:{'ro' if m.readonly else 'rw'}")
            if m.type == "bind":
                inputs.update(self._bind_inputs(m, ins.line))
        arg_env = [f"{k}={v}" for k, v in s.args.items() if k not in env_dict(cfg)]
        created_by = "RUN " + (f"|{len(arg_env)} {' '.join(arg_env)} " if arg_env else "") + " ".join(args)
        scripts = {a: ins.heredocs[0].chomped() for a in args[:1] if a.startswith(PIPES + "/")}
        description = json.dumps({"run": args, "network": network, "mounts": mount_desc, "scripts": scripts})

        def produce(number: int) -> tuple[dict[str, Any], list[LayerRecord]]:
            return self._run_produce(s, ins, args, network, mounts, arg_env, created_by, number)

        self._step(s, ins, description, inputs, produce, prefix)

    def _run_args(self, cfg: dict[str, Any], ins: Run) -> list[str]:
        if ins.exec_form or not ins.heredocs:
            return command_of(cfg, ins.command, ins.exec_form)
        cmd = ins.command[0].strip() if ins.command else ""
        if len(ins.heredocs) == 1 and cmd.lstrip("<-").strip("'\"") == ins.heredocs[0].name:
            body = ins.heredocs[0].chomped()
            if body.startswith("#!"):  # a script with its own interpreter: run it as a file
                return [f"{PIPES}/{ins.heredocs[0].name}"]
            return command_of(cfg, (body,), False)
        script = cmd + "\n" + "".join(h.content + h.name + "\n" for h in ins.heredocs)
        return command_of(cfg, (script,), False)

    def _bind_inputs(self, m: Mount, line: int) -> dict[str, str]:
        if m.from_:
            dep = stage_ref(self.df, m.from_)
            if dep is not None and dep.index in self.built:
                return {f"stage:{m.from_}": self.built[dep.index].key}
            try:
                return {f"image:{m.from_}": self.images.resolve(m.from_)}
            except (ImageNotFound, InvalidArgument):
                raise BuildInputError(f"RUN --mount from={m.from_}: no stage or local image with that name",
                                      line=line) from None
        rel = os.path.normpath("/" + (m.source or "")).lstrip("/")
        rels = self.ctx.walk(rel) if (rel == "" or rel in self.ctx.entries) else []
        if not rels:
            raise BuildInputError(f'RUN --mount source "{m.source}" not found in build context', line=line)
        h = hashlib.sha256()
        for r, d in sorted(self.ctx.digests(rels).items()):
            h.update(f"{r}\0{d}\0".encode())
        return {f"bind:{m.target}": h.hexdigest()}

    def _run_produce(self, s: _StageState, ins: Run, args: list[str], network: str, mounts: list[Mount],
                     arg_env: list[str], created_by: str, number: int
                     ) -> tuple[dict[str, Any], list[LayerRecord]]:
        from ..runtime.spec import resolve_user
        cfg = s.config["config"]
        lowers = self._lowers(s.layers)
        try:
            uid, gid, groups = resolve_user(cfg.get("User") or "", lambda p: read_merged_file(lowers, p))
        except InvalidArgument as err:
            raise BuildInputError(err.message, line=ins.line) from None
        env = list(cfg.get("Env") or []) + arg_env
        env += [f"{k}={v}" for k, v in self.opts.build_args.items() if k in PROXY_ARGS]
        with ExitStack() as stack:
            extra, targets = self._run_mounts(mounts, ins.line, stack, env)
            if args and args[0].startswith(PIPES + "/") and ins.heredocs:
                ws = stack.enter_context(_TempCopy(self.store))
                script = os.path.join(ws, "script")
                with open(script, "w") as f:
                    f.write(ins.heredocs[0].chomped())
                os.chmod(script, 0o755)
                extra.append({"destination": args[0], "type": "bind", "source": script,
                              "options": ["rbind", "ro"]})
            req = RunRequest(args=args, env=env, cwd=cfg.get("WorkingDir") or "/", uid=uid, gid=gid,
                             groups=groups, network=network, lowers=lowers, extra_mounts=extra,
                             runtime=self.opts.runtime)
            result = run_container(self.store, req, lambda line: self.emit(ev.StepLog(number, line)))
        remove_mountpoints(result.upper, lowers, targets)
        if result.exit_code != 0:
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-step{number}"
            kept = keep_failed(self.store, result, name)
            shown = " ".join(args)
            raise StepFailed(self._name_only(s, ins), shown, result.exit_code, result.tail, kept, ins.line)
        try:
            rec = None
            if os.listdir(result.upper):
                rec = self.layers.add_from_dir(self._parent_chain(s), result.upper, clamp_mtime=self.sde,
                                               strip_overlay_xattrs=True)
        finally:
            discard_workspace(self.store, result.workspace)
        return self._with_layer(s, rec, created_by)

    def _name_only(self, s: _StageState, ins: Instruction) -> str:
        where = f"{s.label} {s.index}/{s.total}" if s.label else f"{s.index}/{s.total}"
        return f"[{where}] {ins.original}"

    def _run_mounts(self, mounts: list[Mount], line: int, stack: ExitStack, env: list[str]
                    ) -> tuple[list[dict[str, Any]], list[str]]:
        extra: list[dict[str, Any]] = []
        targets: list[str] = []
        for m in mounts:
            target = m.target
            if m.type == "secret":
                sid = m.id or os.path.basename(m.target)
                src = self.opts.secrets.get(sid)
                if src is None:
                    if m.required:
                        raise BuildInputError(f"secret {sid} not found (pass it with --secret id={sid},src=FILE)",
                                              line=line)
                    continue
                if m.env:
                    with open(src, encoding="utf-8", errors="replace") as f:
                        env.append(f"{m.env}={f.read()}")
                    if not m.target:
                        continue
                target = m.target or f"/run/secrets/{sid}"
                extra.append({"destination": target, "type": "bind", "source": src, "options": ["rbind", "ro"]})
            elif m.type == "cache":
                if not target:
                    raise BuildInputError("cache mount requires a target", line=line)
                cid = m.id or target
                d = build_dir(self.store, "mounts", hashlib.sha256(cid.encode()).hexdigest()[:24])
                if not os.path.isdir(d):
                    os.makedirs(d)
                    os.chmod(d, m.mode if m.mode is not None else 0o755)
                    os.chown(d, m.uid or 0, m.gid or 0)
                extra.append({"destination": target, "type": "bind", "source": d,
                              "options": ["rbind", "ro" if m.readonly else "rw"]})
            elif m.type == "tmpfs":
                opts = ["nosuid", "nodev"] + ([f"size={m.size_limit}"] if m.size_limit else [])
                extra.append({"destination": target, "type": "tmpfs", "source": "tmpfs", "options": opts})
            elif m.type == "bind":
                src = self._bind_source(m, line, stack)
                if not m.readonly:
                    import shutil
                    ws = stack.enter_context(_TempCopy(self.store))
                    dst = os.path.join(ws, "data")
                    if os.path.isdir(src):
                        shutil.copytree(src, dst, symlinks=True)
                    else:
                        shutil.copy2(src, dst)
                    src = dst
                extra.append({"destination": target, "type": "bind", "source": src,
                              "options": ["rbind", "ro" if m.readonly else "rw"]})
            else:
                raise BuildInputError(f"RUN --mount type={m.type} is not supported", line=line)
            targets.append(target)
        return extra, targets

    def _bind_source(self, m: Mount, line: int, stack: ExitStack) -> str:
        rel = os.path.normpath("/" + (m.source or "")).lstrip("/")
        if m.from_:
            root = stack.enter_context(merged_view(self.store, self._source_lowers(m.from_, line, "RUN --mount")))
            path = os.path.join(root, rel)
            if not os.path.lexists(path):
                raise BuildInputError(f'RUN --mount from={m.from_}: "{m.source}" not found', line=line)
            return path
        return self.ctx.path(rel)

    def _source_lowers(self, name: str, line: int, what: str) -> list[str]:
        dep = stage_ref(self.df, name)
        if dep is not None:
            if dep.index not in self.built:
                raise BuildInputError(f'{what}: stage "{name}" is not built before it is used', line=line)
            return self._lowers(self.built[dep.index].layers)
        try:
            return self.images.lowerdirs(self.images.resolve(name))
        except (ImageNotFound, InvalidArgument):
            raise BuildInputError(
                f'{what} --from={name}: no build stage and no local image named "{name}"', line=line) from None

    # --- COPY / ADD ----------------------------------------------------------------------------

    def _copy(self, s: _StageState, ins: Copy | Add, prefix: str) -> None:
        word, _ = self._expand(s, ins.line)
        cfg = s.config["config"]
        raw_dest = word(ins.dest)
        dest = raw_dest if raw_dest.startswith("/") else posixpath.join(cfg.get("WorkingDir") or "/", raw_dest)
        dest_is_dir = raw_dest.endswith("/") or raw_dest in (".", "..") or raw_dest.endswith("/.")
        dest = posixpath.normpath(dest) if dest != "/" else "/"
        if dest_is_dir and dest != "/":
            dest += "/"
        sources = [word(x) for x in ins.sources]
        chown = word(ins.chown) if ins.chown else ""
        chmod = word(ins.chmod) if ins.chmod else ""
        from_ = ins.from_ if isinstance(ins, Copy) else ""
        for src in sources:
            if _is_url(src):
                if isinstance(ins, Add):
                    raise BuildInputError(f"ADD failed to fetch {src}: dockyard build has no network access; "
                                          "download the file into the build context instead", line=ins.line)
                raise BuildInputError(f"COPY does not accept URLs ({src}); use ADD or the build context",
                                      line=ins.line)
        inputs: dict[str, str] = {}
        if from_:
            dep = stage_ref(self.df, from_)
            if dep is not None and dep.index in self.built:
                inputs[f"stage:{from_}"] = self.built[dep.index].key
            else:
                self._source_lowers(from_, ins.line, ins.NAME)  # raises when unknown
                inputs[f"image:{from_}"] = self.images.resolve(from_)
            matched_total = len(sources)
        else:
            matched: list[str] = []
            for src in sources:
                found = self.ctx.match(src)
                if not found:
                    raise BuildInputError(f'{ins.NAME} failed: "{src}" not found in build context or excluded by '
                                          ".dockerignore", line=ins.line)
                matched += found
                for rel in found:
                    walked = self._filter_excludes(self.ctx.walk(rel), rel, ins.excludes)
                    for r, d in self.ctx.digests(walked).items():
                        inputs[f"file:{r}"] = d
            matched_total = len(matched)
        for c in ins.contents:
            inputs[f"heredoc:{c.path}"] = hashlib.sha256(c.data.encode()).hexdigest()
        if matched_total + len(ins.contents) > 1 and not dest_is_dir:
            raise BuildInputError(f"When using {ins.NAME} with more than one source file, the destination "
                                  "must be a directory and end with a /", line=ins.line)
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
        kind = "multi" if matched_total + len(ins.contents) > 1 else "file"
        if kind == "file" and not from_ and not ins.contents and _is_dir(self.ctx.stat(matched[0])):
            kind = "dir"
        flags = "".join(f"--{n}={v} " for n, v in (("from", from_), ("chown", chown), ("chmod", chmod)) if v)
        created_by = f"{ins.NAME} {flags}{kind}:{digest} in {dest}"
        description = json.dumps({"op": ins.NAME, "sources": sources, "dest": dest, "chown": chown,
                                  "chmod": chmod, "from": from_, "excludes": list(ins.excludes),
                                  "sde": self.sde})

        def produce(_: int) -> tuple[dict[str, Any], list[LayerRecord]]:
            reuse = None if from_ or self.opts.no_cache else self._reuse_from_previous(s, description)
            return self._copy_produce(s, ins, sources, dest, dest_is_dir, chown, chmod, from_, word, created_by,
                                      reuse)

        self._step(s, ins, description, inputs, produce, prefix)

    def _filter_excludes(self, rels: list[str], base: str, excludes: tuple[str, ...]) -> list[str]:
        if not excludes:
            return rels
        pats = parse_dockerignore("\n".join(excludes))
        out = []
        for r in rels:
            inner = r[len(base):].lstrip("/") if base else r
            if inner and is_excluded(inner, pats):
                continue
            out.append(r)
        return out

    def _reuse_from_previous(self, s: _StageState, description: str) -> Reuse | None:
        """When this COPY ran before on the same parent, its unchanged files can be hard-linked
        from that layer (same content digest, mode, owner, size and mtime) instead of copied."""
        prev = self.cache.previous_result(s.key, description)
        if prev is None or not prev[1] or len(prev[1]) != len(s.layers) + 1:
            return None
        inputs, chain = prev
        rec = self.layers.find(chain[-1])
        if rec is None or rec.parent != self._parent_chain(s):
            return None
        old_root = self.layers.diff_dir(rec)
        ctx = self.ctx

        def reuse(it: Item, mode: int, uid: int, gid: int) -> str | None:
            if it.src is None or it.st is None:
                return None
            rel = os.path.relpath(it.src, ctx.root)
            if inputs.get(f"file:{rel}") != ctx.digest(rel):
                return None
            old = old_root + it.dest
            try:
                ost = os.lstat(old)
            except OSError:
                return None
            import stat as _stat
            same = (_stat.S_ISREG(ost.st_mode) and _stat.S_IMODE(ost.st_mode) == mode
                    and (ost.st_uid, ost.st_gid) == (uid, gid) and ost.st_size == it.st.st_size
                    and ost.st_mtime_ns == it.st.st_mtime_ns)
            return old if same else None

        return reuse

    def _copy_produce(self, s: _StageState, ins: Copy | Add, sources: list[str], dest: str, dest_is_dir: bool,
                      chown: str, chmod: str, from_: str, word: Callable[[str], str], created_by: str,
                      reuse: Reuse | None = None) -> tuple[dict[str, Any], list[LayerRecord]]:
        lowers = self._lowers(s.layers)
        owner: tuple[int, int] | None = None
        if chown:
            try:
                owner = self._owner(s, lowers, chown)
            except InvalidArgument as err:
                raise BuildInputError(err.message, line=ins.line) from None
        mode = parse_chmod(chmod) if chmod else None
        mtime = float(self.sde) if self.sde is not None else time.time()
        ws = new_workspace(self.store)
        upper = os.path.join(ws, "upper")
        try:
            with ExitStack() as stack:
                items: list[Item] = []
                tars: list[tuple[str, str]] = []
                if from_:
                    root = stack.enter_context(merged_view(self.store, self._source_lowers(from_, ins.line, ins.NAME)))
                    walk, stat_of = tree_walker(root)
                    matched: list[str] = []
                    for src in sources:
                        found = _glob(root, src)
                        if not found:
                            raise BuildInputError(f'{ins.NAME} --from={from_} failed: "{src}" not found',
                                                  line=ins.line)
                        matched += found
                    single_into_dir = self._single_into_dir(lowers, matched, stat_of, dest, dest_is_dir)
                    items = plan_items(root, matched, dest, dest_is_dir=single_into_dir, walk=walk, stat_of=stat_of)
                    keep_owner = owner
                else:
                    matched = [r for src in sources for r in self.ctx.match(src)]
                    single_into_dir = self._single_into_dir(lowers, matched, self.ctx.stat, dest, dest_is_dir)
                    if isinstance(ins, Add):
                        matched, tars = self._split_archives(matched, dest)
                    items = plan_items(self.ctx.root, matched, dest, dest_is_dir=single_into_dir,
                                       walk=lambda r: self._filter_excludes(self.ctx.walk(r), r, ins.excludes),
                                       stat_of=self.ctx.stat)
                    keep_owner = owner or (0, 0)
                for c in ins.contents:
                    data = self.expander.expand_heredoc(c.data, self._env(s)) if c.expand else c.data
                    path = (dest.rstrip("/") + "/" + c.path) if dest_is_dir else dest
                    items.append(Item(path, None, None, data.encode()))
                write_items(upper, lowers, items, owner=keep_owner, chmod=mode, dir_mtime=mtime,
                            reuse=None if from_ else reuse)
                for src_path, tar_dest in tars:
                    self._extract(upper, lowers, src_path, tar_dest, keep_owner or (0, 0), mtime)
            rec = self.layers.add_from_dir(self._parent_chain(s), upper, clamp_mtime=self.sde)
        finally:
            discard_workspace(self.store, ws)
        return self._with_layer(s, rec, created_by)

    def _single_into_dir(self, lowers: list[str], matched: list[str], stat_of: Callable[[str], os.stat_result],
                         dest: str, dest_is_dir: bool) -> bool:
        """A single file copied onto an existing directory goes inside it."""
        if dest_is_dir or len(matched) != 1:
            return dest_is_dir
        import stat as _stat
        if _stat.S_ISDIR(stat_of(matched[0]).st_mode):
            return True
        below = merged_lstat(lowers, dest)
        return below is not None and _stat.S_ISDIR(below.st_mode)

    def _split_archives(self, matched: list[str], dest: str) -> tuple[list[str], list[tuple[str, str]]]:
        """ADD: local tar archives (plain or compressed) are extracted, not copied."""
        import stat as _stat
        plain: list[str] = []
        tars: list[tuple[str, str]] = []
        for rel in matched:
            st = self.ctx.stat(rel)
            path = self.ctx.path(rel)
            if _stat.S_ISREG(st.st_mode) and _looks_like_tar(path):
                tars.append((path, dest if dest.endswith("/") else dest + "/"))
            else:
                plain.append(rel)
        return plain, tars

    def _extract(self, upper: str, lowers: list[str], src: str, dest: str, owner: tuple[int, int],
                 mtime: float) -> None:
        from ..diff.apply import extract_plain
        ensure_parents(upper, lowers, dest + "x", owner=owner, mtime=mtime)
        target = upper + dest.rstrip("/")
        os.makedirs(target, exist_ok=True)
        with open(src, "rb") as f:
            head = f.read(6)
            f.seek(0)
            if head[:3] == b"BZh":
                import bz2
                with bz2.open(f) as z:
                    extract_plain(z, target)  # type: ignore[arg-type]
            elif head[:6] == b"\xfd7zXZ\x00":
                import lzma
                with lzma.open(f) as z:
                    extract_plain(z, target)  # type: ignore[arg-type]
            else:
                extract_plain(f, target)


class _TempCopy:
    """A scratch directory under buildcache/run for writable bind mounts, removed on exit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = ""

    def __enter__(self) -> str:
        self.path = new_workspace(self.store)
        return self.path

    def __exit__(self, *exc: object) -> None:
        discard_workspace(self.store, self.path)


def _glob(root: str, src: str) -> list[str]:
    import glob
    clean = os.path.normpath("/" + src).lstrip("/")
    if clean in ("", "."):
        return [""]
    if not any(c in clean for c in "*?["):
        return [clean] if os.path.lexists(os.path.join(root, clean)) else []
    return sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, clean)))


def _is_dir(st: os.stat_result) -> bool:
    import stat as _stat
    return _stat.S_ISDIR(st.st_mode)


def _looks_like_tar(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(512)
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00" \
            or head[:4] == b"\x28\xb5\x2f\xfd":
        return True
    return len(head) >= 262 and head[257:262] == b"ustar"


def _input_name(key: str) -> str:
    kind, _, name = key.partition(":")
    return {"file": "file", "arg": "build arg", "stage": "stage", "image": "image", "bind": "bind mount",
            "heredoc": "heredoc"}.get(kind, kind) + " " + name


__all__ = ["BuildOptions", "BuildResult", "Builder", "go_list"]
