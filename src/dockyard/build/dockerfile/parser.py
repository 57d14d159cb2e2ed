"""The Dockerfile parse layer: text -> one :class:`Node` per instruction (BuildKit's ``parser``).

What this layer does, exactly as BuildKit's ``parser.Parse``:

* parser directives (``# syntax=``, ``# escape=``, ``# check=``) at the very top only; a BOM is
  dropped;
* comments, line continuations with the escape token (comment lines and empty lines inside a
  continued instruction are skipped; empty ones are reported as ``empty_continuation_lines``);
* ``--flag`` words before the arguments;
* per-keyword argument shapes: JSON (exec) form vs plain string (invalid JSON falls back to
  the string form), whitespace-split lists, ENV/LABEL key/value pairs, ARG words, HEALTHCHECK's
  type word, ONBUILD's nested instruction;
* heredocs for RUN/COPY/ADD (also under ONBUILD), ``<<-`` and quoted delimiters.

It does not reject unknown instructions or check argument counts; that is
``instructions.py``'s job (as in BuildKit).  Variables are not expanded here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from dockyard.errors import DockerfileSyntaxError, InvalidArgument

from .shell import ShellLex, go_quote

__all__ = ["Directives", "Heredoc", "Node", "ParseResult", "parse", "parse_heredoc_word"]

_WHITESPACE = re.compile(r"[\t\v\f\r ]+")
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)\s*([^<]*)$", re.DOTALL)
_DIRECTIVE = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_VALID_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC_KEYWORDS = frozenset({"add", "copy", "run"})
_BOM = "\ufeff"

_NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


@dataclass(frozen=True)
class Heredoc:
    """One ``<<NAME`` body.  ``content`` is raw (``<<-`` tabs are stripped by ``chomped``)."""

    name: str
    content: str
    expand: bool = True
    chomp: bool = False
    fd: int = 0

    def chomped(self) -> str:
        """The content as the instruction sees it: leading tabs removed when ``<<-`` was used."""
        return re.sub(r"(?m)^\t+", "", self.content) if self.chomp else self.content


@dataclass(frozen=True)
class Node:
    """One instruction as written.

    ``keyword`` keeps the original casing; ``args`` are BuildKit's parse-layer arguments (quotes
    still in place for ENV/LABEL/ARG words).  For ENV and LABEL, ``args`` is ``(k1, v1, k2, v2,
    ...)`` and ``legacy_kv`` is true for the whitespace form ``ENV k v``.  For ONBUILD,
    ``sub`` is the trigger instruction and ``args`` is ``(sub.keyword, *sub.args)``.
    """

    keyword: str
    args: tuple[str, ...]
    flags: tuple[str, ...] = ()
    json: bool = False
    original: str = ""
    start_line: int = 0
    end_line: int = 0
    heredocs: tuple[Heredoc, ...] = ()
    sub: Node | None = None
    legacy_kv: bool = False
    comments: tuple[str, ...] = ()

    @property
    def cmd(self) -> str:
        """The lower-case keyword."""
        return self.keyword.lower()


@dataclass(frozen=True)
class Directives:
    """Parser directives found at the top of the file, with the line each was on."""

    escape: str = "\\"
    syntax: str | None = None
    check: str | None = None
    lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseResult:
    nodes: tuple[Node, ...]
    directives: Directives
    #: (line, joined instruction text) for each instruction with an empty continuation line.
    empty_continuation_lines: tuple[tuple[int, str], ...] = ()


class _DirectiveState:
    def __init__(self) -> None:
        self.done = False
        self.seen: dict[str, str] = {}
        self.lines: dict[str, int] = {}
        self.escape = "\\"
        self.continuation = _continuation_regex("\\")

    def feed(self, line: str, lineno: int) -> bool:
        """Look at one line; True when it was a directive (BuildKit ``possibleParserDirective``)."""
        if self.done:
            return False
        if not line.startswith("#"):
            self.done = True
            return False
        m = _DIRECTIVE.match(line[1:].lstrip())
        if not m or m.group(1).lower() not in _VALID_DIRECTIVES:
            self.done = True
            return False
        key, value = m.group(1).lower(), m.group(2)
        if key in self.seen:
            raise DockerfileSyntaxError(f"only one {key} parser directive can be used", line=lineno)
        self.seen[key] = value
        self.lines[key] = lineno
        if key == "escape":
            if value not in ("`", "\\"):
                raise DockerfileSyntaxError(
                    f"invalid escape token '{value}' does not match ` or \\", line=lineno
                )
            self.escape = value
            self.continuation = _continuation_regex(value)
        return True

    def directives(self) -> Directives:
        return Directives(
            escape=self.escape,
            syntax=self.seen.get("syntax"),
            check=self.seen.get("check"),
            lines=dict(self.lines),
        )


def _continuation_regex(esc: str) -> re.Pattern[str]:
    e = re.escape(esc)
    return re.compile(rf"([^{e}]){e}[ \t]*$|^{e}[ \t]*$")


def _trim_newline(line: str) -> str:
    return line.rstrip("\r\n")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _trim_continuation(line: str, d: _DirectiveState) -> tuple[str, bool]:
    """Strip a trailing escape token; the bool is True when the instruction ends on this line."""
    m = d.continuation.search(line)
    if m is None:
        return line, True
    return line[: m.start()] + (m.group(1) or ""), False


def _go_trim_space(s: str) -> str:
    return s.strip()


# --- argument shapes (BuildKit line_parsers.go) -------------------------------------------------


def parse_words(rest: str, escape: str) -> list[str]:
    """Split on whitespace, keeping quotes and escapes in the words (ENV/LABEL/ARG)."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    quote = ""
    blank_ok = False
    i = 0
    n = len(rest)
    while i < n:
        ch = rest[i]
        if not in_word and not quote:
            if ch.isspace():
                i += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if i + 1 == n:
                    i += 1
                    continue
                buf.append(ch)
                i += 1
                ch = rest[i]
            buf.append(ch)
            i += 1
            continue
        if ch.isspace():
            if blank_ok or buf:
                words.append("".join(buf))
            buf.clear()
            blank_ok = False
            in_word = False
            i += 1
            continue
        if ch in ("'", '"'):
            quote = ch
            blank_ok = True
        if ch == escape:
            if i + 1 == n:
                i += 1
                continue
            buf.append(ch)
            i += 1
            ch = rest[i]
        buf.append(ch)
        i += 1
    if (in_word or quote) and (blank_ok or buf):
        words.append("".join(buf))
    return words


def _parse_json(rest: str) -> list[str] | None:
    """The JSON array, or None when ``rest`` is not one (the string form applies)."""
    rest = rest.lstrip()
    if not rest.startswith("["):
        return None

    def reject(_: str) -> object:
        raise ValueError("not JSON")

    try:
        value = json.loads(rest, parse_constant=reject)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise InvalidArgument(_NOT_STRING_ARRAY)
    return value


def _split_ws(rest: str) -> tuple[str, ...]:
    return tuple(_WHITESPACE.split(rest)) if rest else ()


@dataclass
class _Args:
    args: tuple[str, ...] = ()
    json: bool = False
    legacy_kv: bool = False
    sub: Node | None = None


def _maybe_json(rest: str) -> _Args:
    if rest == "":
        return _Args()
    value = _parse_json(rest)
    if value is not None:
        return _Args(tuple(value), json=True)
    return _Args((rest,))


def _maybe_json_list(rest: str) -> _Args:
    value = _parse_json(rest)
    if value is not None:
        return _Args(tuple(value), json=True)
    return _Args(_split_ws(rest))


def _name_val(rest: str, key: str, escape: str) -> _Args:
    words = parse_words(rest, escape)
    if not words:
        return _Args()
    if "=" not in words[0]:
        parts = _WHITESPACE.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise InvalidArgument(f"{key} must have two arguments")
        return _Args((parts[0], parts[1]), legacy_kv=True)
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise InvalidArgument(
                f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value"
            )
        k, _, v = word.partition("=")
        out += [k, v]
    return _Args(tuple(out))


def _health(rest: str) -> _Args:
    sep = 0
    while sep < len(rest) and not rest[sep].isspace():
        sep += 1
    if sep == 0:
        return _Args()
    nxt = sep
    while nxt < len(rest) and rest[nxt].isspace():
        nxt += 1
    cmd = _maybe_json(rest[nxt:])
    return _Args((rest[:sep], *cmd.args), json=cmd.json)


def _string(rest: str) -> _Args:
    return _Args((rest,)) if rest else _Args()


def _shape_args(cmd: str, rest: str, escape: str, comments: tuple[str, ...]) -> _Args:
    if cmd in ("add", "copy", "volume"):
        return _maybe_json_list(rest)
    if cmd in ("cmd", "entrypoint", "run", "shell"):
        return _maybe_json(rest)
    if cmd == "arg":
        return _Args(tuple(parse_words(rest, escape)))
    if cmd in ("env", "label"):
        return _name_val(rest, cmd.upper(), escape)
    if cmd in ("expose", "from"):
        return _Args(_split_ws(rest))
    if cmd == "healthcheck":
        return _health(rest)
    if cmd in ("maintainer", "stopsignal", "user", "workdir"):
        return _string(rest)
    if cmd == "onbuild":
        if rest == "":
            return _Args()
        sub = _node_from_line(rest, escape, ())
        return _Args((sub.keyword, *sub.args), json=sub.json, sub=sub)
    return _Args(("",))  # unknown instruction: rejected later by instructions.py


# --- splitting the command line -----------------------------------------------------------------


def _extract_flags(line: str, escape: str) -> tuple[str, list[str]]:
    """Leading ``--flag`` words (quotes and escapes removed) and the rest of the line."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    quote = ""
    blank_ok = False
    pos = 0
    n = len(line)
    while pos <= n:
        ch = line[pos] if pos < n else ""
        if not in_word and not quote:
            if pos == n:
                break
            if ch.isspace():
                pos += 1
                continue
            if not line.startswith("--", pos):
                return line[pos:], words
            in_word = True
        if pos == n:
            word = "".join(buf)
            if word != "--" and (blank_ok or word):
                words.append(word)
            break
        if not quote:
            if ch.isspace():
                word = "".join(buf)
                in_word = False
                if word == "--":
                    return line[pos:], words
                if blank_ok or word:
                    words.append(word)
                buf.clear()
                blank_ok = False
                pos += 1
                continue
            if ch in ("'", '"'):
                quote = ch
                blank_ok = True
                pos += 1
                continue
            if ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                ch = line[pos]
            buf.append(ch)
            pos += 1
            continue
        if ch == quote:
            quote = ""
            pos += 1
            continue
        if ch == escape:
            if pos + 1 == n:
                quote = ""
                pos += 1
                continue
            pos += 1
            ch = line[pos]
        buf.append(ch)
        pos += 1
    return "", words


def _node_from_line(line: str, escape: str, comments: tuple[str, ...]) -> Node:
    parts = _WHITESPACE.split(_go_trim_space(line), maxsplit=1)
    keyword = parts[0]
    flags: list[str] = []
    rest = ""
    if len(parts) == 2:
        rest, flags = _extract_flags(parts[1], escape)
    shaped = _shape_args(keyword.lower(), _go_trim_space(rest), escape, comments)
    return Node(
        keyword=keyword,
        args=shaped.args,
        flags=tuple(flags),
        json=shaped.json,
        original=line,
        sub=shaped.sub,
        legacy_kv=shaped.legacy_kv,
        comments=comments,
    )


# --- heredocs -----------------------------------------------------------------------------------


def parse_heredoc_word(word: str) -> Heredoc | None:
    """A ``<<NAME`` / ``<<-"NAME"`` / ``2<<NAME`` word as a (content-less) Heredoc, else None."""
    m = _HEREDOC_WORD.match(word)
    if not m:
        return None
    fd = int(m.group(1)) if m.group(1) else 0
    chomp = m.group(2) == "-"
    rest = m.group(3)
    if not rest:
        return None
    plain = ShellLex("\\", skip_unset_env=True).process_words(rest, {})
    if len(plain) != 1:
        return None
    raw = ShellLex("\\", raw_quotes=True, skip_unset_env=True).process_words(rest, {})
    if len(raw) != len(plain):
        raise InvalidArgument(f"internal lexing of heredoc produced inconsistent results: {rest}")
    name = plain[0]
    quotes = name.count("'") + name.count('"')
    raw_quotes = raw[0].count("'") + raw[0].count('"')
    return Heredoc(name=name, content="", expand=quotes == raw_quotes, chomp=chomp, fd=fd)


def _heredocs_in_line(line: str) -> list[Heredoc]:
    lex = ShellLex("\\", raw_quotes=True, raw_escapes=True, skip_unset_env=True)
    try:
        words = lex.process_words(line, {})
    except InvalidArgument:
        words = []
    docs: list[Heredoc] = []
    for word in words:
        doc = parse_heredoc_word(word)
        if doc is not None:
            docs.append(doc)
    return docs


def _can_contain_heredoc(node: Node) -> bool:
    target = node.sub if node.cmd == "onbuild" and node.sub is not None else node
    return target.cmd in _HEREDOC_KEYWORDS and not target.json


# --- the main loop ------------------------------------------------------------------------------


def _go_lines(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    while True:
        i = text.find("\n", start)
        if i < 0:
            if start < len(text):
                out.append(text[start:])
            return out
        out.append(text[start : i + 1])
        start = i + 1


def parse(text: str, *, file: str = "Dockerfile") -> ParseResult:
    """Parse Dockerfile text; raises :class:`DockerfileSyntaxError` with a line number."""
    lines = _go_lines(text)
    d = _DirectiveState()
    nodes: list[Node] = []
    empties: list[tuple[int, str]] = []
    comments: list[str] = []
    current = 0  # lines consumed so far (== 1-based number of the last consumed line)
    i = 0
    n = len(lines)

    def err(message: str, line: int) -> DockerfileSyntaxError:
        return DockerfileSyntaxError(message, line=line, file=file)

    while i < n:
        raw = lines[i]
        i += 1
        if current == 0 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        if _is_comment(raw):
            comment = raw.lstrip()[1:].strip()
            if comment == "":
                comments = []
            else:
                comments.append(comment)
        stripped = _trim_newline(raw).lstrip()
        try:
            is_directive = d.feed(stripped, current + 1)
        except DockerfileSyntaxError as e:
            raise err(_plain(e), current + 1) from None
        if is_directive and comments:
            comments.pop()
        current += 1
        start = current
        body = "" if _is_comment(stripped) else stripped
        body, end_of_line = _trim_continuation(body, d)
        if end_of_line and body == "":
            continue
        buf = [body]
        has_empty = False
        while not end_of_line and i < n:
            raw = lines[i]
            i += 1
            cont = _trim_newline(raw)
            try:
                d.feed(cont, current + 1)
            except DockerfileSyntaxError as e:
                raise err(_plain(e), current + 1) from None
            current += 1
            if _is_comment(raw):
                continue
            if cont.strip() == "":
                has_empty = True
                continue
            cont, end_of_line = _trim_continuation(cont, d)
            buf.append(cont)
        line = "".join(buf)
        if has_empty:
            empties.append((current, line))
        try:
            node = _node_from_line(line, d.escape, tuple(comments))
        except InvalidArgument as e:
            raise err(_plain(e), start) from None
        if _can_contain_heredoc(node) and "<<" in line:
            try:
                found = _heredocs_in_line(line)
            except InvalidArgument as e:
                raise err(_plain(e), start) from None
            docs: list[Heredoc] = []
            for doc in found:
                content: list[str] = []
                terminated = False
                while i < n:
                    raw = lines[i]
                    i += 1
                    current += 1
                    candidate = _trim_newline(raw)
                    if doc.chomp:
                        candidate = candidate.lstrip("\t")
                    if candidate == doc.name:
                        terminated = True
                        break
                    content.append(raw)
                if not terminated:
                    raise err("unterminated heredoc", start)
                docs.append(
                    Heredoc(doc.name, "".join(content), expand=doc.expand, chomp=doc.chomp, fd=doc.fd)
                )
            node = _with(node, heredocs=tuple(docs))
        nodes.append(_with(node, start_line=start, end_line=current))
        comments = []
    if not nodes:
        raise err("file with no instructions", max(current, 1))
    return ParseResult(tuple(nodes), d.directives(), tuple(empties))


def _plain(e: InvalidArgument) -> str:
    if isinstance(e, DockerfileSyntaxError):
        prefix = f"{e.file}:{e.line}: " if e.line is not None else f"{e.file}: "
        return e.message.removeprefix(prefix)
    return e.message


def _with(node: Node, **changes: object) -> Node:
    from dataclasses import replace

    return replace(node, **changes)  # type: ignore[arg-type]
