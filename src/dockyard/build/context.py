"""The build context: a directory (or a tar on stdin, extracted once) filtered by .dockerignore.

``.dockerignore`` follows moby's patternmatcher: one pattern per line, ``#`` comments, ``!`` re-includes,
``*`` and ``?`` within one path component, ``**`` across any number of components, and a pattern
matching a directory excludes everything below it.  The last matching pattern wins.

Files are hashed lazily (sha256 of the content) and only when a step reads them; the digests of a
step's inputs become part of its cache key.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import InvalidArgument


@dataclass(frozen=True)
class IgnorePattern:
    text: str
    negate: bool
    regex: re.Pattern[str]


def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    out.append("(?:.*/)?")
                    i += 1
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                raise InvalidArgument(f"syntax error in .dockerignore pattern {pattern!r}")
            body = pattern[i + 1:end]
            if body.startswith("^") or body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


def parse_dockerignore(text: str) -> list[IgnorePattern]:
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:].strip()
        line = os.path.normpath(line).lstrip("/") if line not in ("", ".") else "."
        if line == ".":
            line = "*" if not negate else line
        out.append(IgnorePattern(raw, negate, _compile(line)))
    return out


def is_excluded(rel: str, patterns: list[IgnorePattern]) -> bool:
    """Whether the context path ``rel`` (``a/b``, no leading slash) is excluded."""
    excluded = False
    parents = _prefixes(rel)
    for p in patterns:
        if any(p.regex.fullmatch(x) for x in parents):
            excluded = not p.negate
    return excluded


def _prefixes(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


@dataclass
class BuildContext:
    """A context directory, its ignore rules and its (non-excluded) entries by relative path."""

    root: str
    patterns: list[IgnorePattern] = field(default_factory=list)
    entries: dict[str, os.stat_result] = field(default_factory=dict)
    _digests: dict[str, str] = field(default_factory=dict)
    #: digests known from earlier builds, by stat; ``fresh`` collects the ones computed now
    known: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    fresh: dict[str, tuple[int, int, int, int, str]] = field(default_factory=dict)
    #: whether digests may be remembered across builds (not for a temporary directory)
    persistent: bool = True

    @classmethod
    def from_dir(cls, root: str, *, dockerignore: str | None = None) -> BuildContext:
        root = os.path.abspath(root)
        if not os.path.isdir(root):
            raise InvalidArgument(f'unable to prepare context: path "{root}" not found')
        if dockerignore is None:
            try:
                with open(os.path.join(root, ".dockerignore"), encoding="utf-8") as f:
                    dockerignore = f.read()
            except FileNotFoundError:
                dockerignore = ""
        ctx = cls(root, parse_dockerignore(dockerignore))
        ctx._scan()
        return ctx

    def _scan(self) -> None:
        has_negation = any(p.negate for p in self.patterns)
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            path = os.path.join(self.root, rel_dir) if rel_dir else self.root
            with os.scandir(path) as it:
                for e in it:
                    rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
                    st = e.stat(follow_symlinks=False)
                    excluded = bool(self.patterns) and is_excluded(rel, self.patterns)
                    if not excluded:
                        self.entries[rel] = st
                    if stat.S_ISDIR(st.st_mode) and (not excluded or has_negation):
                        stack.append(rel)

    # --- selecting sources ---------------------------------------------------------------------

    def match(self, source: str) -> list[str]:
        """Context paths a COPY source names (a path or a glob), "" for the whole context."""
        clean = os.path.normpath("/" + source).lstrip("/")
        if clean in ("", "."):
            return [""]
        if clean in self.entries:
            return [clean]
        if not any(c in clean for c in "*?["):
            return []
        depth = clean.count("/")
        return sorted(rel for rel in self.entries
                      if rel.count("/") == depth and fnmatch.fnmatchcase(rel, clean))

    def walk(self, rel: str) -> list[str]:
        """``rel`` and every non-excluded entry below it, sorted (``""`` = the whole context)."""
        if rel == "":
            return sorted(self.entries)
        prefix = rel + "/"
        return [rel] + sorted(r for r in self.entries if r.startswith(prefix))

    def resolve_source(self, rel: str) -> str:
        """A COPY source that is a symlink is followed (as BuildKit does), within the context."""
        if not rel or not stat.S_ISLNK(self.stat(rel).st_mode):
            return rel
        real = os.path.realpath(self.path(rel))
        if real != self.root and not real.startswith(self.root + "/"):
            raise InvalidArgument(f'forbidden path outside the build context: {rel} -> {os.readlink(self.path(rel))}')
        target = os.path.relpath(real, self.root)
        target = "" if target == "." else target
        if target and target not in self.entries:
            raise InvalidArgument(f'"{rel}" points to "{target}", which is not in the build context or is '
                                  "excluded by .dockerignore")
        return target

    def path(self, rel: str) -> str:
        return os.path.join(self.root, rel) if rel else self.root

    def stat(self, rel: str) -> os.stat_result:
        return self.entries[rel] if rel else os.lstat(self.root)

    # --- hashing -------------------------------------------------------------------------------

    def digest(self, rel: str) -> str:
        """Content digest of one entry: file bytes, link target, or "dir"; mode included."""
        d = self._digests.get(rel)
        if d is not None:
            return d
        st = self.stat(rel)
        sig = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        k = self.known.get(rel)
        if k is not None and k[:4] == sig and stat.S_ISREG(st.st_mode):
            self._digests[rel] = k[4]
            return k[4]
        h = hashlib.sha256(f"{stat.S_IFMT(st.st_mode)}:{stat.S_IMODE(st.st_mode):o}:".encode())
        if stat.S_ISREG(st.st_mode):
            with open(self.path(rel), "rb") as f:
                h.update(hashlib.file_digest(f, "sha256").digest())
        elif stat.S_ISLNK(st.st_mode):
            h.update(os.fsencode(os.readlink(self.path(rel))))
        d = h.hexdigest()
        self._digests[rel] = d
        if stat.S_ISREG(st.st_mode) and rel:
            self.fresh[rel] = (*sig, d)
        return d

    def digests(self, rels: Iterable[str]) -> dict[str, str]:
        return {r: self.digest(r) for r in rels}


def is_tar_stream_head(head: bytes) -> bool:
    """Whether bytes at the start of stdin look like a (compressed) tar rather than a Dockerfile."""
    if head[:2] == b"\x1f\x8b" or head[:4] == b"\x28\xb5\x2f\xfd" or head[:3] == b"BZh" \
            or head[:6] == b"\xfd7zXZ\x00":
        return True
    return len(head) >= 262 and head[257:262] == b"ustar"


def extract_context_tar(stream: BinaryIO, dest: str) -> None:
    """A context sent as a tar on stdin: extract it (safely) into the empty directory ``dest``."""
    from ..diff.apply import extract_plain
    os.makedirs(dest, exist_ok=True)
    extract_plain(stream, dest, preserve_owner=False)
