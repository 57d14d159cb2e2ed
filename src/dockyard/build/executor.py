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
import json
import os
import time
from typing import Any

from ..errors import DockerfileSyntaxError, ImageNotFound, InvalidArgument
from ..snapshot.layers import LayerRecord
from . import progress as ev
from .copy import ensure_parents, merged_lstat
from .copystep import CopySteps
from .dockerfile import Expander, Stage, global_args, parse_dockerfile
from .dockerfile.args import PROXY_ARGS, Platform, default_platform
from .dockerfile.instructions import (
    Add,
    Arg,
    Copy,
    From,
    Instruction,
    Maintainer,
    Run,
    Workdir,
    parse_instruction,
)
from .dockerfile.parser import parse as parse_nodes
from .errors import BuildInputError
from .metadata import DEFAULT_PATH, NOP, apply_metadata, workdir_path
from .planner import plan_stages, stage_ref
from .run import discard_workspace, new_workspace
from .runstep import RunSteps
from .steps import BuildOptions, BuildResult, StageState, sha_key

__all__ = ["BuildOptions", "BuildResult", "Builder"]


class Builder(RunSteps, CopySteps):
    """One build: ``Builder(store, options, listener).build()`` -> :class:`BuildResult`."""

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
        multi = len(df.stages) > 1
        last: StageState | None = None
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

    def _final_labels(self, s: StageState) -> tuple[dict[str, Any], list[LayerRecord]]:
        key = sha_key(s.key, "LABELS " + json.dumps(self.opts.labels, sort_keys=True))
        hit = None if self.opts.no_cache else self.cache.get(key)
        if hit is not None:
            return hit.config, hit.layers
        config = copy.deepcopy(s.config)
        labels = dict(config["config"].get("Labels") or {})
        labels.update(self.opts.labels)
        config["config"]["Labels"] = labels
        self.cache.put(key, s.key, "--label", {}, config, s.layers)
        return config, s.layers

    def _build_stage(self, st: Stage, label: str) -> StageState:
        s = self._from(st, label)
        triggers = self._onbuild_triggers(s, st.from_)
        s.total = 1 + len(triggers) + len(st.instructions)
        self._from_step(s, st.from_)
        for ins in triggers:
            self._instruction(s, ins, prefix="ONBUILD ")
        for ins in st.instructions:
            self._instruction(s, ins)
        return s

    def _from(self, st: Stage, label: str) -> StageState:
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
            return StageState(st, label, config, [], sha_key("scratch", plat.architecture))
        if dep is not None and dep.index in self.built:
            prev = self.built[dep.index]
            return StageState(st, label, copy.deepcopy(prev.config), list(prev.layers), prev.key)
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
        return StageState(st, label, config, recs, sha_key("image", image_id))

    def _onbuild_triggers(self, s: StageState, frm: From) -> list[Instruction]:
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

    def _from_step(self, s: StageState, frm: From) -> None:
        self.step_no += 1
        self.emit(ev.StepStarted(self.step_no, self._name(s, frm.original)))
        self.emit(ev.StepCached(self.step_no))

    def _instruction(self, s: StageState, ins: Instruction, prefix: str = "") -> None:
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

    def _metadata(self, s: StageState, ins: Instruction, prefix: str) -> None:
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

    def _arg(self, s: StageState, ins: Arg, prefix: str) -> None:
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

    def _workdir(self, s: StageState, ins: Workdir, prefix: str) -> None:
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
