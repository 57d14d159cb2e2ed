"""BuildKit's shell-word lexer: quotes, escapes, ``$VAR`` / ``${VAR...}`` expansion, word splitting.

This is what the builder (not the container's shell) does to instruction arguments.  It is a
small sans-IO state machine over one string.  Two entry points:

* :meth:`ShellLex.process_word` expands a word and keeps its spaces (ENV values, WORKDIR, ...);
* :meth:`ShellLex.process_words` expands then splits on unquoted whitespace (EXPOSE, heredoc
  detection).

Supported parameter forms (as in BuildKit): ``$N`` ``${N}`` ``${N:-w}`` ``${N-w}`` ``${N:+w}``
``${N+w}`` ``${N:?msg}`` ``${N?msg}`` ``${N#pat}`` ``${N##pat}`` ``${N%pat}`` ``${N%%pat}``
``${N/pat/rep}`` ``${N//pat/rep}``.  Patterns know ``*`` and ``?`` only.

Known difference from BuildKit: BuildKit shares one word buffer between a ``${...}`` and its
enclosing word, so ``process_words("a${x:-b}")`` loses the ``a``; this lexer keeps it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument

__all__ = ["Expander", "ShellLex", "WordResult"]

_EOF = ""
_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_HEREDOC_SPACE = frozenset("\t\r ")


def go_quote(s: str) -> str:
    """Roughly Go's ``%q``: a double-quoted string with Go escapes."""
    return json.dumps(s, ensure_ascii=False)


@dataclass(frozen=True)
class WordResult:
    """The outcome of lexing one word: the expanded text, its split words, and variable use."""

    result: str
    words: tuple[str, ...]
    matched: frozenset[str]
    unmatched: frozenset[str]


class _ShellError(Exception):
    pass


@dataclass
class _Words:
    buf: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    in_word: bool = False

    def add_char(self, ch: str) -> None:
        if ch.isspace():
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf.clear()
                self.in_word = False
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.buf.append(ch)
        self.in_word = True

    def add_string(self, s: str) -> None:
        if s and not any(ch.isspace() for ch in s):
            self.buf.append(s)
            self.in_word = True
            return
        for ch in s:
            self.add_char(ch)

    def add_raw_string(self, s: str) -> None:
        if s:
            self.buf.append(s)
        self.in_word = True

    def get_words(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf.clear()
            self.in_word = False
        return self.words


class _Scan:
    """One pass over one word.  Holds the cursor and the variables seen."""

    def __init__(self, lex: ShellLex, src: str, env: Mapping[str, str]) -> None:
        self.lex = lex
        self.src = src
        self.pos = 0
        self.env = env
        self.raw_escapes = lex.raw_escapes
        self.matched: set[str] = set()
        self.unmatched: set[str] = set()

    def peek(self) -> str:
        return self.src[self.pos] if self.pos < len(self.src) else _EOF

    def next(self) -> str:
        if self.pos >= len(self.src):
            return _EOF
        ch = self.src[self.pos]
        self.pos += 1
        return ch

    def get_env(self, name: str) -> tuple[str, bool]:
        if name in self.env:
            self.matched.add(name)
            return self.env[name], True
        self.unmatched.add(name)
        return "", False

    # --- the word loop -------------------------------------------------------------------------

    def process_stop_on(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._process_stop_on(stop)
        finally:
            self.raw_escapes = saved

    def _process_stop_on(self, stop: str) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        esc = self.lex.escape
        quotes = not self.lex.skip_process_quotes
        while self.peek() != _EOF:
            ch = self.peek()
            if stop != _EOF and ch == stop:
                self.next()
                return "".join(result), words.get_words()
            if ch == "$":
                tmp = self.process_dollar()
                result.append(tmp)
                words.add_string(tmp)
            elif ch == "<":
                tmp = self.process_possible_heredoc()
                result.append(tmp)
                words.add_raw_string(tmp)
            elif quotes and ch == "'":
                tmp = self.process_single_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            elif quotes and ch == '"':
                tmp = self.process_double_quote()
                result.append(tmp)
                words.add_raw_string(tmp)
            else:
                ch = self.next()
                if ch == esc:
                    if self.raw_escapes:
                        words.add_raw_char(ch)
                        result.append(ch)
                    ch = self.next()
                    if ch == _EOF:
                        break
                    words.add_raw_char(ch)
                else:
                    words.add_char(ch)
                result.append(ch)
        if stop != _EOF:
            raise _ShellError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.get_words()

    def process_single_quote(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.lex.raw_quotes:
            out.append(ch)
        while True:
            ch = self.next()
            if ch == _EOF:
                raise _ShellError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.lex.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def process_double_quote(self) -> str:
        out: list[str] = []
        ch = self.next()
        if self.lex.raw_quotes:
            out.append(ch)
        esc = self.lex.escape
        while True:
            nxt = self.peek()
            if nxt == _EOF:
                raise _ShellError("unexpected end of statement while looking for matching double-quote")
            if nxt == '"':
                ch = self.next()
                if self.lex.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if nxt == "$":
                out.append(self.process_dollar())
                continue
            ch = self.next()
            if ch == esc:
                if self.raw_escapes:
                    out.append(ch)
                following = self.peek()
                if following == _EOF:
                    continue
                if following in ('"', "$", esc):
                    ch = self.next()
            out.append(ch)

    def process_possible_heredoc(self) -> str:
        self.next()
        if self.peek() != "<":
            return "<"
        self.next()
        space: list[str] = []
        while self.peek() != _EOF and self.peek() in _HEREDOC_SPACE:
            space.append(self.next())
        return "<<" + "".join(space)

    def process_name(self) -> str:
        name: list[str] = []
        while self.peek() != _EOF:
            ch = self.peek()
            if not name and ch.isdigit():
                while self.peek() != _EOF and self.peek().isdigit():
                    name.append(self.next())
                return "".join(name)
            if not name and ch in _SPECIAL_PARAMS:
                return self.next()
            if not (ch.isalpha() or ch.isdigit() or ch == "_"):
                break
            name.append(self.next())
        return "".join(name)

    def process_dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.process_name()
            if not name:
                return "$"
            value, found = self.get_env(name)
            if not found and self.lex.skip_unset_env:
                return "$" + name
            return value
        self.next()
        first = self.peek()
        if first == _EOF:
            raise _ShellError("syntax error: missing '}'")
        if first in "{}:":
            raise _ShellError("syntax error: bad substitution")
        name = self.process_name()
        ch = self.next()
        chs = ch if ch != _EOF else "\ufffd"
        if ch == "}":
            value, found = self.get_env(name)
            if not found and self.lex.skip_unset_env:
                return "${" + name + "}"
            return value
        if ch == "/":
            return self._replace(name)
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            chs += ch if ch != _EOF else "\ufffd"
        elif ch not in ("+", "-", "?", "#", "%") or ch == _EOF:
            raise _ShellError(f"unsupported modifier ({chs}) in substitution")
        raw = ch in ("#", "%")
        if null_is_unset and raw:
            raise _ShellError(f"unsupported modifier ({chs}) in substitution")
        try:
            word, _ = self.process_stop_on("}", raw)
        except _ShellError:
            if self.peek() == _EOF:
                raise _ShellError("syntax error: missing '}'") from None
            raise
        value, found = self.get_env(name)
        if self.lex.skip_unset_env and not found:
            return "${" + name + chs + word + "}"
        empty = not found or (null_is_unset and value == "")
        if ch == "-":
            return word if empty else value
        if ch == "+":
            return "" if empty else word
        if ch == "?":
            if not found:
                raise _ShellError(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise _ShellError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        if ch in ("%", "#"):
            greedy = bool(word) and word[0] == ch
            if greedy:
                word = word[1:]
            if ch == "%":
                return _trim_suffix(word, value, greedy)
            return _trim_prefix(word, value, greedy)
        raise _ShellError(f"unsupported modifier ({chs}) in substitution")

    def _replace(self, name: str) -> str:
        replace_all = self.peek() == "/"
        if replace_all:
            self.next()
        try:
            pattern, _ = self.process_stop_on("/", True)
        except _ShellError:
            if self.peek() == _EOF:
                raise _ShellError("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement, _ = self.process_stop_on("}", True)
        except _ShellError:
            if self.peek() == _EOF:
                raise _ShellError("syntax error: missing '}'") from None
            raise
        value, found = self.get_env(name)
        if self.lex.skip_unset_env and not found:
            return "${" + name + "/" + pattern + "/" + replacement + "}"
        rx = _pattern_regex(pattern, greedy=True, anchored=False)
        if replace_all:
            return rx.sub(lambda _m: replacement, value)
        return rx.sub(lambda _m: replacement, value, count=1)


def _pattern_regex(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    while i < len(pattern):
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
        elif tok == "?":
            out.append(".")
        elif tok == "\\":
            nxt = pattern[i] if i < len(pattern) else ""
            if nxt in ("}", "/"):
                continue
            i += 1
            if nxt not in ("*", "?", "\\"):
                raise _ShellError(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{nxt}'")
            out.append(re.escape(nxt))
        else:
            out.append(re.escape(tok))
    return re.compile("".join(out))


def _trim_prefix(pattern: str, value: str, greedy: bool) -> str:
    m = _pattern_regex(pattern, greedy=greedy, anchored=True).match(value)
    return value[m.end() :] if m else value


def _reverse_pattern(pattern: str) -> str:
    tokens: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            tokens.append(pattern[i : i + 2])
            i += 2
        else:
            tokens.append(pattern[i])
            i += 1
    return "".join(reversed(tokens))


def _trim_suffix(pattern: str, value: str, greedy: bool) -> str:
    return _trim_prefix(_reverse_pattern(pattern), value[::-1], greedy)[::-1]


@dataclass(frozen=True)
class ShellLex:
    """Lexer settings.  ``escape`` is the Dockerfile's escape token (backslash or backtick)."""

    escape: str = "\\"
    raw_quotes: bool = False
    raw_escapes: bool = False
    skip_process_quotes: bool = False
    skip_unset_env: bool = False

    def process(self, word: str, env: Mapping[str, str]) -> WordResult:
        """Lex ``word``; raises :class:`InvalidArgument` with BuildKit's message on bad syntax."""
        scan = _Scan(self, word, env)
        try:
            result, words = scan.process_stop_on(_EOF, self.raw_escapes)
        except _ShellError as err:
            raise InvalidArgument(f"failed to process {go_quote(word)}: {err}") from None
        return WordResult(result, tuple(words), frozenset(scan.matched), frozenset(scan.unmatched))

    def process_word(self, word: str, env: Mapping[str, str]) -> str:
        return self.process(word, env).result

    def process_words(self, word: str, env: Mapping[str, str]) -> list[str]:
        return list(self.process(word, env).words)


@dataclass(frozen=True)
class Expander:
    """What the executor calls to expand instruction fields with the stage's env + ARGs.

    ``env`` is the current environment of the stage: the base image's ENV, then the stage's
    ARGs (with their values) and ENVs in instruction order, later ones winning.  See
    ``instructions.EXPANSION`` for which fields of which instruction get expanded.
    """

    escape: str = "\\"

    def expand_word(self, word: str, env: Mapping[str, str]) -> str:
        """One word, spaces kept (BuildKit ``ProcessWord``)."""
        return ShellLex(self.escape).process_word(word, env)

    def expand_words(self, word: str, env: Mapping[str, str]) -> list[str]:
        """Expanded then split on unquoted whitespace (BuildKit ``ProcessWords``, used by EXPOSE)."""
        return ShellLex(self.escape).process_words(word, env)

    def expand_with_matches(self, word: str, env: Mapping[str, str]) -> WordResult:
        """Like :meth:`expand_word` but also reports which variables were (un)defined."""
        return ShellLex(self.escape).process(word, env)

    def expand_heredoc(self, content: str, env: Mapping[str, str]) -> str:
        """Heredoc bodies of COPY/ADD with an unquoted delimiter: ``$`` expanded, quotes kept."""
        return self.expand_heredoc_with_matches(content, env).result

    def expand_heredoc_with_matches(self, content: str, env: Mapping[str, str]) -> WordResult:
        return ShellLex("\\", skip_process_quotes=True).process(content, env)
