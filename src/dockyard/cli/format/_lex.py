"""Lexer for Go ``text/template``: template text -> text pieces and tokenised actions.

The output is a flat list of items: ``Text`` (with ``{{-``/``-}}`` trimming already applied) and
``Action`` (the tokens between one pair of delimiters). Comments are dropped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dockyard.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

KEYWORDS: Final = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}
)
_SPACE: Final = " \t\r\n"
_IDENT_RE: Final = re.compile(r"\w+")
_NUMBER_RE: Final = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?"
    r"|0[bB][01_]+|0[oO][0-7_]+"
    r"|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)i?"
)


def parse_error(text: str, pos: int, msg: str) -> InvalidArgument:
    line = 1 + text.count("\n", 0, pos)
    return InvalidArgument(f"template: :{line}: {msg}")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # field dot var ident keyword string number bool nil pipe lparen rparen decl assign comma
    value: object
    pos: int
    spaced: bool  # preceded by white space
    text: str  # the source text, for error messages and node printing


@dataclass(slots=True)
class Text:
    text: str
    pos: int


@dataclass(slots=True)
class Action:
    pos: int  # position of the left delimiter
    tokens: list[Token] = field(default_factory=list)
    end: int = 0  # position just after the right delimiter


Item = Text | Action

_ESCAPES: Final = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def unquote(src: str, body: str, quote: str, pos: int) -> str:
    """Go's strconv.Unquote for the inside of a "..." or '...' literal."""
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            raise parse_error(src, pos, "invalid syntax")
        e = body[i + 1]
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
            i += 2
        elif e == quote:
            out.append(e)
            i += 2
        elif e in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[e]
            hexdigits = body[i + 2 : i + 2 + width]
            if len(hexdigits) != width or not all(c in "0123456789abcdefABCDEF" for c in hexdigits):
                raise parse_error(src, pos, "invalid syntax")
            out.append(chr(int(hexdigits, 16)))
            i += 2 + width
        elif e in "01234567":
            octal = body[i + 1 : i + 4]
            if len(octal) != 3 or not all(c in "01234567" for c in octal) or int(octal, 8) > 255:
                raise parse_error(src, pos, "invalid syntax")
            out.append(chr(int(octal, 8)))
            i += 4
        else:
            raise parse_error(src, pos, "invalid syntax")
    return "".join(out)


def _number(src: str, tok: str, pos: int) -> int | float:
    t = tok.replace("_", "")
    try:
        if t.endswith("i"):
            raise ValueError
        low = t.lstrip("+-").lower()
        if (
            any(c in low for c in ".ep")
            and not low.startswith(("0x", "0b", "0o"))
            or (low.startswith("0x") and "p" in low)
        ):
            return float.fromhex(t) if low.startswith("0x") else float(t)
        if len(low) > 1 and low[0] == "0" and low[1].isdigit():
            return int(t.replace(low, "0o" + low[1:]), 0)
        return int(t, 0)
    except ValueError:
        raise parse_error(src, pos, f"illegal number syntax: {tok!r}".replace("'", '"')) from None


def _lex_action(src: str, i: int, action: Action) -> tuple[int, bool]:
    """Tokenise from i up to the right delimiter; return (position after it, right-trim?)."""
    n = len(src)
    toks = action.tokens
    depth = 0
    spaced = False
    while True:
        if i >= n:
            raise parse_error(src, i, "unclosed action")
        ch = src[i]
        if src.startswith("}}", i):
            if depth:
                raise parse_error(src, i, "unclosed left paren")
            return i + 2, False
        if ch in _SPACE:
            if src.startswith("-}}", i + 1):
                if depth:
                    raise parse_error(src, i, "unclosed left paren")
                return i + 4, True
            i += 1
            spaced = True
            continue
        start = i
        kind: str
        value: object = None
        if ch == "|":
            kind, i = "pipe", i + 1
        elif ch == "(":
            kind, i, depth = "lparen", i + 1, depth + 1
        elif ch == ")":
            if depth == 0:
                raise parse_error(src, i, "unexpected right paren U+0029 ')'")
            kind, i, depth = "rparen", i + 1, depth - 1
        elif ch == ",":
            kind, i = "comma", i + 1
        elif src.startswith(":=", i):
            kind, i = "decl", i + 2
        elif ch == "=":
            kind, i = "assign", i + 1
        elif ch == '"':
            j = i + 1
            while j < n and src[j] != '"':
                if src[j] == "\n":
                    raise parse_error(src, i, "unterminated quoted string")
                j += 2 if src[j] == "\\" else 1
            if j >= n:
                raise parse_error(src, i, "unterminated quoted string")
            kind, value, i = "string", unquote(src, src[i + 1 : j], '"', i), j + 1
        elif ch == "`":
            j = src.find("`", i + 1)
            if j < 0:
                raise parse_error(src, i, "unterminated raw quoted string")
            kind, value, i = "string", src[i + 1 : j].replace("\r", ""), j + 1
        elif ch == "'":
            j = i + 1
            while j < n and src[j] != "'":
                if src[j] == "\n":
                    break
                j += 2 if src[j] == "\\" else 1
            if j >= n or src[j] != "'":
                raise parse_error(src, i, "unterminated character constant")
            s = unquote(src, src[i + 1 : j], "'", i)
            if len(s) != 1:
                raise parse_error(src, i, f"malformed character constant: {src[i : j + 1]}")
            kind, value, i = "number", ord(s), j + 1
        elif ch == "$":
            m = _IDENT_RE.match(src, i + 1)
            j = m.end() if m else i + 1
            kind, value, i = "var", src[i:j], j
        elif ch == "." and not (i + 1 < n and src[i + 1].isdigit()):
            m = _IDENT_RE.match(src, i + 1)
            if m:
                kind, value, i = "field", m.group(0), m.end()
            else:
                kind, i = "dot", i + 1
        elif (
            ch.isdigit()
            or ch == "."
            or (ch in "+-" and i + 1 < n and (src[i + 1].isdigit() or src[i + 1] == "."))
        ):
            m = _NUMBER_RE.match(src, i)
            j = m.end() if m else i + 1
            if j < n and (src[j].isalnum() or src[j] == "_"):
                m2 = _IDENT_RE.match(src, j)
                raise parse_error(
                    src, i, f"bad number syntax: {src[i : m2.end() if m2 else j + 1]!r}".replace("'", '"')
                )
            kind, value, i = "number", _number(src, src[i:j], i), j
        elif ch.isalpha() or ch == "_":
            m = _IDENT_RE.match(src, i)
            assert m is not None
            word, i = m.group(0), m.end()
            if word in KEYWORDS:
                kind, value = "keyword", word
            elif word in ("true", "false"):
                kind, value = "bool", word == "true"
            elif word == "nil":
                kind = "nil"
            else:
                kind, value = "ident", word
        else:
            raise parse_error(src, i, f"unrecognized character in action: U+{ord(ch):04X} {ch!r}")
        toks.append(Token(kind, value, start, spaced, src[start:i]))
        spaced = False


def lex(src: str) -> list[Item]:
    """Split a template into text and actions, applying trim markers and dropping comments."""
    items: list[Item] = []
    i = 0
    n = len(src)
    trim_next = False
    while i < n:
        j = src.find("{{", i)
        text = src[i:] if j < 0 else src[i:j]
        left_trim = j >= 0 and src.startswith("-", j + 2) and j + 3 < n and src[j + 3] in _SPACE
        if trim_next:
            text = text.lstrip(_SPACE)
        if left_trim:
            text = text.rstrip(_SPACE)
        if text:
            items.append(Text(text, i))
        if j < 0:
            break
        k = j + 2 + (2 if left_trim else 0)
        # A comment must follow the delimiter immediately: {{/* ... */}} or {{- /* ... */ -}}.
        if src.startswith("/*", k):
            e = src.find("*/", k + 2)
            if e < 0:
                raise parse_error(src, j, "unclosed comment")
            e += 2
            if src.startswith("}}", e):
                i, trim_next = e + 2, False
            elif e < n and src[e] in _SPACE and src.startswith("-}}", e + 1):
                i, trim_next = e + 4, True
            else:
                raise parse_error(src, j, "comment ends before closing delimiter")
            continue
        action = Action(j)
        i, trim_next = _lex_action(src, k, action)
        action.end = i
        items.append(action)
    return items
