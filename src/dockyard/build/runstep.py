"""RUN steps: the command, its mounts (cache, bind, tmpfs, secret), a build container, a layer."""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import ExitStack
from typing import Any

from ..errors import DockerfileSyntaxError, ImageNotFound, InvalidArgument
from ..snapshot.layers import LayerRecord
from ..snapshot.lookup import read_merged_file
from . import progress as ev
from .cache import build_dir
from .dockerfile.args import PROXY_ARGS
from .dockerfile.instructions import (
    Mount,
    Run,
    parse_mount,
)
from .errors import BuildInputError, StepFailed
from .metadata import command_of, env_dict
from .planner import stage_ref
from .run import (
    RunRequest,
    discard_workspace,
    keep_failed,
    merged_view,
    remove_mountpoints,
    run_container,
)
from .steps import PIPES, StageState, StepBase, TempCopy


class RunSteps(StepBase):
    def _run(self, s: StageState, ins: Run, prefix: str) -> None:
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
        # docker build's default: the default bridge network (RUN apt-get install works)
        network = network if network in ("host", "none") else "bridge"
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

    def _run_produce(self, s: StageState, ins: Run, args: list[str], network: str, mounts: list[Mount],
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
                ws = stack.enter_context(TempCopy(self.store))
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
                    ws = stack.enter_context(TempCopy(self.store))
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
