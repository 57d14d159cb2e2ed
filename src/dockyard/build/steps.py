"""The machinery every build step shares: options, per-stage state, cache-keyed steps.

``StepBase._step`` is the one place a step is looked up in the build cache, run on a miss (with
the reason it missed), recorded, and reported to the progress listener.  The instruction
families live in ``runstep.py`` (RUN), ``copystep.py`` (COPY/ADD) and ``executor.py`` (the rest).
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import DockerfileSyntaxError, ImageNotFound, InvalidArgument
from ..image.store import ImageStore
from ..snapshot.layers import LayerRecord, LayerStore
from ..snapshot.lookup import read_merged_file
from ..store import Store
from . import progress as ev
from .cache import BuildCache
from .context import BuildContext
from .dockerfile import Dockerfile, Expander, Stage
from .dockerfile.instructions import (
    Instruction,
)
from .errors import BuildInputError
from .metadata import env_dict
from .planner import stage_ref
from .run import (
    discard_workspace,
    new_workspace,
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
class StageState:
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


def sha_key(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode())
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")


PIPES = "/dev/pipes"  # where heredoc scripts with a #! line are mounted (under /dev: not in layers)


class StepBase:
    """State and helpers of a build; subclasses add the instructions."""

    df: Dockerfile
    expander: Expander
    scope: dict[str, str]
    bases: dict[int, str]

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
        self.built: dict[int, StageState] = {}
        self.sde = options.source_date_epoch
        self.consumed: set[str] = set()

    def _now(self) -> str:
        return _rfc3339(self.sde if self.sde is not None else time.time())

    def _name(self, s: StageState, text: str) -> str:
        s.index += 1
        where = f"{s.label} {s.index}/{s.total}" if s.label else f"{s.index}/{s.total}"
        return f"[{where}] {text}"

    def _env(self, s: StageState) -> dict[str, str]:
        return {**s.args, **env_dict(s.config["config"])}

    def _expand(self, s: StageState, line: int) -> tuple[Callable[[str], str], Callable[[str], list[str]]]:
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

    def _step(self, s: StageState, ins: Instruction, description: str, inputs: dict[str, str],
              produce: Callable[[int], tuple[dict[str, Any], list[LayerRecord]]], prefix: str = "") -> None:
        if self.sde is not None:  # clamped timestamps make other layers and configs
            inputs = {**inputs, "sde:SOURCE_DATE_EPOCH": str(self.sde)}
        key = sha_key(s.key, description, json.dumps(inputs, sort_keys=True))
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

    def _miss_reason(self, s: StageState, description: str, inputs: dict[str, str]) -> str:
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

    def _with_layer(self, s: StageState, rec: LayerRecord | None, created_by: str
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

    def _owner(self, s: StageState, lowers: list[str], spec: str) -> tuple[int, int]:
        from ..runtime.spec import resolve_user
        uid, gid, _ = resolve_user(spec, lambda p: read_merged_file(lowers, p))
        if ":" not in spec and spec.isdigit():
            gid = uid
        return uid, gid

    def _parent_chain(self, s: StageState) -> str:
        return s.layers[-1].chain_id if s.layers else ""

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

    def _name_only(self, s: StageState, ins: Instruction) -> str:
        where = f"{s.label} {s.index}/{s.total}" if s.label else f"{s.index}/{s.total}"
        return f"[{where}] {ins.original}"


def _input_name(key: str) -> str:
    kind, _, name = key.partition(":")
    if kind == "sde":
        return name
    return {"file": "file", "arg": "build arg", "stage": "stage", "image": "image", "bind": "bind mount",
            "heredoc": "heredoc"}.get(kind, kind) + " " + name


class TempCopy:
    """A scratch directory under buildcache/run for writable bind mounts, removed on exit."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.path = ""

    def __enter__(self) -> str:
        self.path = new_workspace(self.store)
        return self.path

    def __exit__(self, *exc: object) -> None:
        discard_workspace(self.store, self.path)
