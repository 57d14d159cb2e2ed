"""build, build --check, builder prune: parse flags, call the builder, render its progress events."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time

from ...errors import InvalidArgument
from ..flags import Parsed
from ..main import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        k, eq, val = v.partition("=")
        if not k:
            raise InvalidArgument(f"invalid {what}: {v!r}")
        if not eq:
            env = os.environ.get(k)
            if env is None:
                continue  # docker: --build-arg NAME without a value takes it from the environment
            val = env
        out[k] = val
    return out


def _secrets(values: list[str] | None, temps: list[str]) -> dict[str, str]:
    """``--secret id=X,src=FILE`` (or ``env=VAR``: written to a private temp file listed in
    ``temps``, which the caller deletes)."""
    out: dict[str, str] = {}
    for v in values or []:
        fields = dict(f.partition("=")[::2] for f in v.split(","))
        sid = fields.get("id", "")
        src = fields.get("src") or fields.get("source") or ""
        if not sid:
            raise InvalidArgument(f"invalid secret {v!r}: id= is required")
        if not src and fields.get("env"):
            val = os.environ.get(fields["env"], "")
            fd, src = tempfile.mkstemp(prefix="dockyard-secret-")
            temps.append(src)
            with os.fdopen(fd, "w") as f:
                f.write(val)
        if not src or not os.path.isfile(src):
            raise InvalidArgument(f"secret {sid}: source file {src or '(none)'} not found")
        out[sid] = os.path.abspath(src)
    return out


class _Plain:
    """BuildKit's ``--progress plain``: ``#N`` lines, CACHED or the reason of the miss, timings."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, e: object) -> None:
        from ...build import progress as ev
        o = self.out
        if isinstance(e, ev.StepStarted):
            o.write(f"\n#{e.number} {e.name}\n")
            if e.reason:
                o.write(f"#{e.number} {e.reason}\n")
        elif isinstance(e, ev.StepCached):
            o.write(f"#{e.number} CACHED\n")
        elif isinstance(e, ev.StepLog):
            o.write(f"#{e.number} {e.line}\n")
        elif isinstance(e, ev.StepDone):
            o.write(f"#{e.number} DONE {e.seconds:.1f}s\n")
        elif isinstance(e, ev.StepError):
            o.write(f"#{e.number} ERROR: {e.message.splitlines()[0] if e.message else ''}\n")
        elif isinstance(e, ev.BuildMessage):
            o.write(f"{e.text}\n")
        o.flush()


def _check(ctx: Context, p: Parsed, text: str) -> int:
    from ...build.dockerfile import check_dockerfile
    res = check_dockerfile(text, build_args=_pairs(p.build_arg, "build-arg"), target=p.target,
                           platform=p.platform)
    if p.format == "json":
        print(json.dumps({"instructions": res.instructions_json,
                          "warnings": [w.to_json() for w in res.warnings], "errors": res.errors}, indent=2))
    else:
        for w in res.warnings:
            print(f"WARNING: {w.rule} - {w.url}\n{w.message} (line {w.line})")
        for err in res.errors:
            sys.stderr.write(err + "\n")
        if res.ok and not res.warnings:
            print("Check complete, no warnings found.")
    return 0 if res.ok else 1


def _read_dockerfile(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise InvalidArgument(f"failed to read dockerfile: open {path}: no such file or directory") from None


def cmd_build(ctx: Context, p: Parsed) -> int:
    from ...build.context import BuildContext, extract_context_tar, is_tar_stream_head
    from ...build.errors import BuildInputError, StepFailed
    from ...errors import DockerfileSyntaxError, DockyardError

    if not p.args and not p.check:
        raise InvalidArgument('"build" requires exactly 1 argument (a PATH, or - for stdin)')
    path = p.args[0] if p.args else "."
    tmp_ctx: str | None = None
    dockerfile_text: str | None = None
    if p.file == "-":
        if path == "-":
            raise InvalidArgument("invalid argument: can't use stdin for both build context and dockerfile")
        dockerfile_text = sys.stdin.read()
    if p.check:
        if dockerfile_text is None and path == "-" and not p.file:
            dockerfile_text = sys.stdin.read()
        if dockerfile_text is None:
            dockerfile_text = _read_dockerfile(p.file or os.path.join(path, "Dockerfile"))
        return _check(ctx, p, dockerfile_text)
    if p.network not in ("default", "none", "host"):
        raise InvalidArgument(f"network mode {p.network!r} not supported for build (default, none, host)")
    build_args = _pairs(p.build_arg, "build-arg")
    sde_text = build_args.get("SOURCE_DATE_EPOCH") or os.environ.get("SOURCE_DATE_EPOCH")
    sde = None
    if sde_text:
        if not sde_text.isdigit():
            raise InvalidArgument(f"invalid SOURCE_DATE_EPOCH: {sde_text!r}")
        sde = int(sde_text)
    import signal

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # run the cleanup paths: the build container is killed and reaped

    signal.signal(signal.SIGTERM, _terminate)
    try:
        _private_mounts()
        if path == "-":
            raw = sys.stdin.buffer
            head = raw.peek(512)[:512] if hasattr(raw, "peek") else b""
            if is_tar_stream_head(head):
                tmp_ctx = tempfile.mkdtemp(prefix=f"{os.getpid()}-ctx-", dir=_build_tmp(ctx))
                extract_context_tar(raw, tmp_ctx)
                context = BuildContext.from_dir(tmp_ctx)
                context.persistent = False
                if dockerfile_text is None:
                    dockerfile_text = _read_dockerfile(os.path.join(tmp_ctx, p.file or "Dockerfile"))
            else:
                dockerfile_text = raw.read().decode()
                tmp_ctx = tempfile.mkdtemp(prefix=f"{os.getpid()}-ctx-", dir=_build_tmp(ctx))
                context = BuildContext.from_dir(tmp_ctx)
                context.persistent = False
        else:
            if not os.path.isdir(path):
                raise InvalidArgument(f'unable to prepare context: path "{path}" not found')
            if dockerfile_text is None:
                df_path = p.file or os.path.join(path, "Dockerfile")
                dockerfile_text = _read_dockerfile(df_path)
            ignore = None
            if p.file and p.file != "-" and os.path.isfile(p.file + ".dockerignore"):
                with open(p.file + ".dockerignore", encoding="utf-8") as f:
                    ignore = f.read()  # BuildKit: <Dockerfile>.dockerignore wins over the context's
            context = BuildContext.from_dir(path, dockerignore=ignore)
        return _run_build(ctx, p, context, dockerfile_text, build_args, sde)
    except StepFailed as e:
        sys.stderr.write("------\n")
        sys.stderr.write(f" > {e.step}:\n")
        for line in e.output_tail:
            sys.stderr.write(f"{line}\n")
        sys.stderr.write("------\n")
        sys.stderr.write(f"ERROR: failed to solve: {e}\n")
        return 1
    except (BuildInputError, DockerfileSyntaxError) as e:
        sys.stderr.write(f"ERROR: failed to solve: {e}\n")
        return 1
    except DockyardError as e:  # docker build exits 1 whatever failed
        sys.stderr.write(f"ERROR: {e}\n")
        return 1
    finally:
        if tmp_ctx:
            shutil.rmtree(tmp_ctx, ignore_errors=True)


def _build_tmp(ctx: Context) -> str:
    d = os.path.join(ctx.engine.root, "buildcache", "run")
    os.makedirs(d, exist_ok=True)
    return d


def _private_mounts() -> None:
    """Run the build in a private mount namespace: read-only views of stages mounted during the
    build disappear with the process, whatever kills it."""
    from ... import linux
    try:
        linux.unshare(linux.CLONE_NEWNS)
        linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    except OSError:
        pass  # not root: the builder unmounts what it mounted itself


def _run_build(ctx: Context, p: Parsed, context: object, text: str, build_args: dict[str, str],
               sde: int | None) -> int:
    from ...build import progress as ev
    from ...build.context import BuildContext
    from ...build.executor import Builder, BuildOptions
    assert isinstance(context, BuildContext)
    quiet = bool(p.quiet)
    listener: ev.Listener = ev.ignore if quiet else _Plain(sys.stderr)
    temps: list[str] = []
    try:
        opts = BuildOptions(
            context=context, dockerfile=text, tags=list(p.tag or []), build_args=build_args,
            target=p.target, no_cache=bool(p.no_cache), labels=_pairs(p.label, "label"),
            network=p.network or "default", secrets=_secrets(p.secret, temps), platform=p.platform,
            source_date_epoch=sde,
        )
        t0 = time.monotonic()
        result = Builder(ctx.engine.store, opts, listener).build()
    finally:
        for t in temps:
            os.unlink(t)
    if p.iidfile:
        with open(p.iidfile, "w") as f:
            f.write(result.image_id)
    if quiet:
        print(result.image_id)
        return 0
    listener(ev.BuildMessage(f"\n#{result.steps + 1} exporting to image\n"
                             f"#{result.steps + 1} writing image {result.image_id} done"))
    from ... import reference as _ref
    for t in opts.tags:
        listener(ev.BuildMessage(f"#{result.steps + 1} naming to {_ref.parse(t)} done"))
    listener(ev.BuildMessage(f"#{result.steps + 1} DONE {time.monotonic() - t0:.1f}s"))
    return 0


def cmd_builder_prune(ctx: Context, p: Parsed) -> int:
    from ...build.cache import BuildCache
    from ..output import size
    entries, reclaimed = BuildCache(ctx.engine.store).prune()
    print(f"Deleted build cache objects: {entries}")
    print(f"Total reclaimed space: {size(reclaimed)}")
    return 0
