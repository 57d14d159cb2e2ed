"""COPY and ADD steps: sources from the context or another stage/image, straight into a layer."""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from ..errors import InvalidArgument
from ..snapshot.layers import LayerRecord
from .context import is_excluded, parse_dockerignore
from .copy import Item, Reuse, ensure_parents, merged_lstat, parse_chmod, plan_items, tree_walker, write_items
from .dockerfile.instructions import (
    Add,
    Copy,
)
from .errors import BuildInputError
from .planner import stage_ref
from .run import (
    discard_workspace,
    merged_view,
    new_workspace,
)
from .steps import StageState, StepBase


class CopySteps(StepBase):
    def _copy(self, s: StageState, ins: Copy | Add, prefix: str) -> None:
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
                try:
                    found = [self.ctx.resolve_source(r) for r in found]
                except InvalidArgument as err:
                    raise BuildInputError(f"{ins.NAME} failed: {err.message}", line=ins.line) from None
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

    def _reuse_from_previous(self, s: StageState, description: str) -> Reuse | None:
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

    def _copy_produce(self, s: StageState, ins: Copy | Add, sources: list[str], dest: str, dest_is_dir: bool,
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
                    named = [r for src in sources for r in self.ctx.match(src)]
                    matched = [self.ctx.resolve_source(r) for r in named]
                    alias = {real: link for real, link in zip(matched, named, strict=True) if real != link}
                    single_into_dir = self._single_into_dir(lowers, matched, self.ctx.stat, dest, dest_is_dir)
                    if isinstance(ins, Add):
                        matched, tars = self._split_archives(matched, dest)
                    items = plan_items(self.ctx.root, matched, dest, dest_is_dir=single_into_dir,
                                       walk=lambda r: self._filter_excludes(self.ctx.walk(r), r, ins.excludes),
                                       stat_of=self.ctx.stat, alias=alias)
                    keep_owner = owner or (0, 0)
                for c in ins.contents:
                    data = self.expander.expand_heredoc(c.data, self._env(s)) if c.expand else c.data
                    path = (dest.rstrip("/") + "/" + c.path) if dest_is_dir else dest
                    items.append(Item(path, None, None, data.encode()))
                write_items(upper, lowers, items, owner=keep_owner, chmod=mode, dir_mtime=mtime,
                            reuse=None if from_ else reuse)
                for src_path, tar_dest in tars:
                    self._extract(upper, lowers, src_path, tar_dest, owner, mtime)
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

    def _extract(self, upper: str, lowers: list[str], src: str, dest: str, owner: tuple[int, int] | None,
                 mtime: float) -> None:
        """ADD of a local archive: its entries keep their owners unless ``--chown`` gave ``owner``."""
        from ..diff.apply import extract_plain
        ensure_parents(upper, lowers, dest + "x", owner=owner or (0, 0), mtime=mtime)
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
        if owner is not None:
            for dirpath, dirnames, filenames in os.walk(target):
                for n in [*dirnames, *filenames]:
                    os.lchown(os.path.join(dirpath, n), *owner)


def _is_url(src: str) -> bool:
    return "://" in src or src.startswith("git@")


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
