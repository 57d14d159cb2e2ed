"""pull, push, login, logout, save, load, commit: thin wrappers over registry/, archive/ and image/commit."""

from __future__ import annotations

import os
import sys
import threading
import time

from ... import reference as _ref
from ...errors import ImageNotFound, InvalidArgument
from ..flags import Parsed
from ..main import Context

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO

    from ...engine import Engine
    from ...image.protocols import Image


class _Display:
    """Shows a transfer Board: redrawn in place on a TTY (at most 10 times a second), one line per
    status change otherwise, nothing when quiet."""

    def __init__(self, out: TextIO, *, quiet: bool = False) -> None:
        from ...registry.progress import Board
        self.out = out
        self.quiet = quiet
        self.tty = not quiet and out.isatty()
        self._lock = threading.Lock()
        self._drawn = 0
        self._last = 0.0
        self.board = Board(on_change=None if (quiet or self.tty) else self._print)

    def _print(self, line: str) -> None:
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    def write(self, text: str) -> None:
        if not self.quiet:
            self.refresh(force=True)
            self._print(text)
            self._drawn = 0

    def status(self, digest: str, text: str) -> None:
        self.board.set_status(digest, text)
        self.refresh(force=True)

    def progress(self, digest: str, text: str, done: int, total: int) -> None:
        self.board.set_progress(digest, text, done, total)
        self.refresh()

    def refresh(self, *, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        with self._lock:
            self._last = now
            lines = self.board.lines()
            up = f"\x1b[{self._drawn}A" if self._drawn else ""
            self.out.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
            self.out.flush()
            self._drawn = len(lines)


def pull(engine: Engine, ref_text: str, *, platform: str | None = None, quiet: bool = False,
         out: TextIO | None = None) -> str:
    """docker pull of one reference, progress on ``out`` (stdout); returns the image id.  Ends with
    the reference on a line of its own, also when ``quiet`` (docker pull -q), except on stderr (the
    pull of run/create, whose -q prints nothing)."""
    from ...registry.client import open_image
    out = out or sys.stdout
    ref = _ref.parse(ref_text)
    display = _Display(out, quiet=quiet)
    display.write(f"{ref.tag or ref.digest}: Pulling from {ref.familiar_name}")

    def downloading(digest: str, done: int, total: int) -> None:
        state = display.board.status_of(digest)
        if state in ("Already exists", "Download complete", "Pull complete"):
            return
        if done < total:
            if done or state != "Pulling fs layer":
                display.progress(digest, "Downloading", done, total)
        else:
            display.status(digest, "Verifying Checksum")
            display.status(digest, "Download complete")

    images = engine.images
    with open_image(ref, platform=platform, progress=downloading) as img:
        repo_digest = f"{img.ref.name}@{img.repo_digest}"
        tags = [str(ref)] if ref.tag else []
        try:
            existing: str | None = images.resolve(repo_digest)
        except ImageNotFound:
            existing = None
        if existing is not None and existing == img.config_digest():
            for t in tags:
                images.tag(existing, t)
            display.write(f"Digest: {img.repo_digest}\nStatus: Image is up to date for {ref.familiar}")
            _done(out, ref.familiar, quiet)
            return existing
        from ...registry.pull import missing_layers, pull_to_store
        todo = {layer.digest for layer, _, _ in missing_layers(engine.store, img)}
        for layer in img.layers():
            display.status(layer.digest, "Pulling fs layer" if layer.digest in todo else "Already exists")
        image_id = pull_to_store(engine.store, img, tags, repo_digest=repo_digest, progress=downloading,
                                 on_layer=lambda d: display.status(d, "Pull complete"))
        display.refresh(force=True)
    display.write(f"Digest: {img.repo_digest}\nStatus: Downloaded newer image for {ref.familiar}")
    _done(out, ref.familiar, quiet)
    return image_id


def _done(out: TextIO, name: str, quiet: bool) -> None:
    if not (quiet and out is sys.stderr):
        out.write(name + "\n")
        out.flush()


def ensure_image(engine: Engine, ref: str, *, quiet: bool = False) -> str:
    """The image id for ``ref``, pulling it first when it is not in the local store (docker's
    "Unable to find image ... locally"); progress goes to stderr as docker run/create do."""
    try:
        return engine.images.resolve(ref)
    except ImageNotFound:
        parsed = _ref.parse(ref)
        if not quiet:
            sys.stderr.write(f"Unable to find image '{parsed.familiar}' locally\n")
        return pull(engine, ref, quiet=quiet, out=sys.stderr)


def cmd_pull(ctx: Context, p: Parsed) -> int:
    if not p.all_tags:
        pull(ctx.engine, p.args[0], platform=p.platform, quiet=p.quiet)
        return 0
    from ...registry.client import list_tags
    repo = _ref.parse(p.args[0], default_tag=False)
    if repo.tag or repo.digest:
        raise InvalidArgument("tag can't be used with --all-tags/-a")
    tags = list_tags(repo)
    if not tags:
        raise ImageNotFound(repo.familiar_name, f"no tags found for {repo.familiar_name}")
    for tag in tags:
        pull(ctx.engine, str(repo.with_tag(tag)), platform=p.platform, quiet=p.quiet)
    return 0


def _push_one(ctx: Context, ref_text: str, *, quiet: bool, compression: str | None) -> str:
    from ...registry.client import push_image
    ref = _ref.parse(ref_text)
    img: Image = ctx.engine.images.open(ref_text)
    mounts = [d.split("@")[0] for d in ctx.engine.images.repo_digests_of(ctx.engine.images.resolve(ref_text))]
    display = _Display(sys.stdout, quiet=quiet)
    display.write(f"The push refers to repository [{ref.name}]")
    recompressed = None
    if compression:
        from ...registry.recompress import recompress
        recompressed = recompress(img, compression)
        img = recompressed
    try:
        for layer in reversed(img.layers()):
            display.status(layer.digest, "Preparing")

        def status(digest: str, what: str) -> None:
            word = {"exists": "Layer already exists", "pushed": "Pushed"}.get(what, what)
            if what == "mounted":
                word = f"Mounted from {mounts[0] if mounts else ref.name}"
            display.status(digest, word)

        def progress(digest: str, done: int, total: int) -> None:
            if done < total:
                display.progress(digest, "Pushing", done, total)

        digest = push_image(img, ref, status=status, progress=progress, mount_from=mounts)
        display.refresh(force=True)
        if quiet:
            print(ref.familiar)
        else:
            print(f"{ref.tag}: digest: {digest} size: {len(img.raw_manifest())}", flush=True)
        return digest
    finally:
        if recompressed is not None:
            recompressed.close()


def cmd_push(ctx: Context, p: Parsed) -> int:
    compression = p.opts.get("compression")
    if compression not in (None, "gzip", "zstd"):
        raise InvalidArgument(f"invalid compression {compression!r}: use gzip or zstd")
    if not p.all_tags:
        _push_one(ctx, p.args[0], quiet=p.quiet, compression=compression)
        return 0
    repo = _ref.parse(p.args[0], default_tag=False)
    if repo.tag or repo.digest:
        raise InvalidArgument("tag can't be used with --all-tags/-a")
    names = sorted({t for rec in ctx.engine.images.list_images() for t in rec.tags
                    if _ref.parse(t).name == repo.name})
    if not names:
        raise ImageNotFound(repo.familiar_name, f"An image does not exist locally with the tag: {repo.familiar_name}")
    for name in names:
        _push_one(ctx, name, quiet=p.quiet, compression=compression)
    return 0


def cmd_login(ctx: Context, p: Parsed) -> int:
    from ...registry.config import login
    server = p.args[0] if p.args else "docker.io"
    password = p.password
    if p.password_stdin:
        password = sys.stdin.read().rstrip("\n")
    if not p.username or password is None:
        raise InvalidArgument("username and password required (-u and -p or --password-stdin)")
    login(server, p.username, password)
    print("Login Succeeded")
    return 0


def cmd_logout(ctx: Context, p: Parsed) -> int:
    from ...registry.config import logout
    server = p.args[0] if p.args else "docker.io"
    if logout(server):
        print(f"Removing login credentials for {server}")
    else:
        print(f"Not logged in to {server}")
    return 0


def cmd_save(ctx: Context, p: Parsed) -> int:
    from contextlib import ExitStack

    from ...archive.docker_archive import save
    from ...archive.oci_layout import write_archive
    images = ctx.engine.images
    compression = p.opts.get("compression")
    fmt = p.opts.get("format") or "docker-archive"
    if compression not in (None, "gzip", "zstd"):
        raise InvalidArgument(f"invalid compression {compression!r}: use gzip or zstd")
    if fmt not in ("docker-archive", "oci-archive"):
        raise InvalidArgument(f"unknown format {fmt!r}: use docker-archive or oci-archive")
    if not p.output and os.isatty(1):
        raise InvalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    with ExitStack() as stack:
        items: list[tuple[Image, list[str]]] = []
        for ref in p.args:
            img: Image = images.open(ref)
            tags = [str(_ref.parse(ref))] if not images.resolve(ref)[7:].startswith(ref) else []
            if compression:
                from ...registry.recompress import recompress
                img = stack.enter_context(recompress(img, compression, tmpdir=ctx.engine.root))
            items.append((img, tags))
        def writer(f: BinaryIO) -> None:
            if fmt == "docker-archive":
                save(items, f)
            else:
                write_archive(f, items)

        if p.output:
            from ...archive.atomic import write_file_atomically
            write_file_atomically(p.output, writer)
        else:
            writer(sys.stdout.buffer)
    return 0


def cmd_load(ctx: Context, p: Parsed) -> int:
    from ...archive.docker_archive import load
    src = p.input or sys.stdin.buffer
    for img, tags in load(src):
        image_id = ctx.engine.images.write_image(img, [t for t in tags if ":" in t or "/" in t])
        if tags:
            for t in tags:
                print(f"Loaded image: {_ref.parse(t).familiar}")
        else:
            print(f"Loaded image ID: {image_id}")
    return 0


def cmd_commit(ctx: Context, p: Parsed) -> int:
    from ...image.commit import CommitOptions, commit_container
    tags = [p.args[1]] if len(p.args) > 1 else []
    opts = CommitOptions(tags=tags, message=p.message or "", author=p.author or "", changes=p.change,
                         pause=p.pause)
    result = commit_container(ctx.engine, p.args[0], opts)
    print(result.image_id)
    return 0
