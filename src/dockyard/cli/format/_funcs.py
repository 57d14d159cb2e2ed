"""The functions a docker ``--format`` template can call: Go's builtins plus docker's additions."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dockyard.cli.format.gofmt import MISSING, go_json, go_sprint, go_sprintf, go_sprintln, go_type_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class CallError(Exception):
    """A function failed; the executor reports it as ``error calling NAME: MSG``."""


class ArgError(Exception):
    """Argument ``index`` is not of Go type ``expected``; the executor reports it at that argument."""

    def __init__(self, expected: str, got: Any, index: int) -> None:
        super().__init__(f"expected {expected}")
        self.expected = expected
        self.got = got
        self.index = index


@dataclass(frozen=True, slots=True)
class Func:
    impl: Callable[..., Any]
    nmin: int
    nmax: int | None  # None: variadic


def truth(v: Any) -> bool:
    """Go's ``template.IsTrue``: empty, zero, nil and missing values are false."""
    if v is None or v is MISSING:
        return False
    if isinstance(v, (bool, int, float, str, Sequence, Mapping)):
        return bool(v)
    return True


def _want_str(v: Any, index: int = 0) -> str:
    if isinstance(v, str):
        return v
    raise ArgError("string", v, index)


def _want_int(v: Any, index: int = 0) -> int:
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise ArgError("int", v, index)


def _want_strs(v: Any, index: int = 0) -> list[str]:
    if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v):
        return list(v)
    if v is MISSING or v is None:
        return []
    raise ArgError("[]string", v, index)


# --- docker's functions (cli/templates) --------------------------------------------------------


def _json(v: Any) -> str:
    try:
        return go_json(v)
    except ValueError as err:
        raise CallError(str(err)) from None


def _split(s: Any, sep: Any) -> list[str]:
    s, sep = _want_str(s), _want_str(sep, 1)
    return list(s) if sep == "" else s.split(sep)


def _join(items: Any, sep: Any) -> str:
    return _want_str(sep, 1).join(_want_strs(items))


def _is_separator(ch: str) -> bool:
    if ch < "\x80":
        return not (ch.isalnum() or ch == "_")
    cat = unicodedata.category(ch)
    if cat[0] == "L" or cat == "Nd":
        return False
    return ch.isspace()


def _title(s: Any) -> str:
    """Go's strings.Title: upper-case the first letter of each word, leave the rest alone."""
    out: list[str] = []
    prev = " "
    for ch in _want_str(s):
        if _is_separator(prev):
            up = ch.upper()
            out.append(up if len(up) == 1 else ch)
        else:
            out.append(ch)
        prev = ch
    return "".join(out)


def _pad(source: Any, prefix: Any, suffix: Any) -> str:
    s = _want_str(source)
    if s == "":
        return s
    return " " * _want_int(prefix, 1) + s + " " * _want_int(suffix, 2)


def _truncate(source: Any, length: Any) -> str:
    s, n = _want_str(source), _want_int(length, 1)
    return s if len(s) < n else s[:n]


# --- Go's builtins -----------------------------------------------------------------------------


def _not(v: Any) -> bool:
    return not truth(v)


def _len(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode())
    if isinstance(v, (Sequence, Mapping, bytes)):
        return len(v)
    if v is MISSING or v is None:
        raise CallError("len of nil pointer")
    raise CallError(f"len of type {go_type_name(v)}")


def _zero_for(m: Mapping[Any, Any]) -> Any:
    """Go returns the element type's zero value for a missing key: "" for a map of strings."""
    if all(isinstance(x, str) for x in m.values()):
        return ""
    return MISSING


def _index(item: Any, *keys: Any) -> Any:
    if item is MISSING or item is None:
        raise CallError("index of untyped nil")
    for k in keys:
        if isinstance(item, Mapping):
            if not isinstance(k, str) and all(isinstance(x, str) for x in item):
                raise CallError(f"value has type {go_type_name(k)}; should be string")
            if not isinstance(k, (str, int, float)):
                raise CallError(
                    f"value has type {go_type_name(k)}; should be {go_type_name(next(iter(item)))}"
                )
            if k in item:
                item = item[k]
            else:
                item = _zero_for(item)
        elif isinstance(item, (Sequence, bytes)):
            if isinstance(k, bool) or not isinstance(k, int):
                raise CallError(f"cannot index slice/array with type {go_type_name(k)}")
            if not 0 <= k < len(item):
                raise CallError(f"index out of range: {k}")
            item = item.encode()[k] if isinstance(item, str) else item[k]
        elif item is MISSING or item is None:
            raise CallError("index of untyped nil")
        else:
            raise CallError(f"can't index item of type {go_type_name(item)}")
    return item


def _slice(item: Any, *idx: Any) -> Any:
    if not isinstance(item, (Sequence, bytes)):
        raise CallError(f"can't slice item of type {go_type_name(item)}")
    if len(idx) > 3 or (len(idx) == 3 and isinstance(item, str)):
        raise CallError(f"too many slice indexes: {len(idx)}")
    bounds = [_want_int(v, i + 1) for i, v in enumerate(idx)]
    cap = len(item)
    for b in bounds:
        if not 0 <= b <= cap:
            raise CallError(f"index out of range: {b}")
    lo = bounds[0] if bounds else 0
    hi = bounds[1] if len(bounds) > 1 else cap
    if lo > hi:
        raise CallError(f"invalid slice index: {lo} > {hi}")
    return item[lo:hi]


def _printf(fmt: Any, *args: Any) -> str:
    return go_sprintf(_want_str(fmt), args)


def _print(*args: Any) -> str:
    return go_sprint(args)


def _println(*args: Any) -> str:
    return go_sprintln(args)


def _eval_args(args: tuple[Any, ...]) -> str:
    """text/template's evalArgs: one string as is, otherwise fmt.Sprint with nil as <no value>."""
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return go_sprint(["<no value>" if a is None or a is MISSING else a for a in args])


def _html(*args: Any) -> str:
    import html

    s = _eval_args(args)
    return html.escape(s).replace("&#x27;", "&#39;").replace("&quot;", "&#34;").replace("\0", "\ufffd")


def _urlquery(*args: Any) -> str:
    import urllib.parse

    return urllib.parse.quote_plus(_eval_args(args), safe="-_.~")


_JS_ESC = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def _js(*args: Any) -> str:
    out: list[str] = []
    for ch in _eval_args(args):
        if ch in _JS_ESC:
            out.append(_JS_ESC[ch])
        elif ch < " " or (ch >= "\x80" and not ch.isprintable()):
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _call(fn: Any, *args: Any) -> Any:
    if not callable(fn):
        raise CallError(f"non-function of type {go_type_name(fn)}")
    return fn(*args)


# --- comparison --------------------------------------------------------------------------------


def _kind(v: Any) -> str:
    if v is None or v is MISSING:
        return "invalid"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "other"


def _eq(a: Any, *others: Any) -> bool:
    if not others:
        raise CallError("missing argument for comparison")
    ka = _kind(a)
    for b in others:
        kb = _kind(b)
        if ka != kb:
            if ka != "invalid" and kb != "invalid":
                raise CallError("incompatible types for comparison")
            continue
        if ka == "other" and (isinstance(a, (list, dict)) or isinstance(b, (list, dict))):
            raise CallError(f"non-comparable type {go_type_name(a)}")
        if ka == "invalid" or a == b:
            return True
    return False


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


def _ordered(a: Any, b: Any) -> tuple[Any, Any]:
    ka, kb = _kind(a), _kind(b)
    if ka not in ("number", "string") or kb not in ("number", "string"):
        raise CallError("invalid type for comparison")
    if ka != kb:
        raise CallError("incompatible types for comparison")
    return a, b


def _lt(a: Any, b: Any) -> bool:
    x, y = _ordered(a, b)
    return bool(x < y)


def _le(a: Any, b: Any) -> bool:
    x, y = _ordered(a, b)
    return bool(x <= y)


def _gt(a: Any, b: Any) -> bool:
    x, y = _ordered(a, b)
    return bool(x > y)


def _ge(a: Any, b: Any) -> bool:
    x, y = _ordered(a, b)
    return bool(x >= y)


def _lower(s: Any) -> str:
    return _want_str(s).lower()


def _upper(s: Any) -> str:
    return _want_str(s).upper()


def _short_circuit(*args: Any) -> Any:  # placeholder; the executor evaluates and/or lazily
    raise AssertionError("and/or are evaluated by the executor")


BUILTINS: dict[str, Func] = {
    # Go text/template builtins
    "and": Func(_short_circuit, 1, None),
    "or": Func(_short_circuit, 1, None),
    "not": Func(_not, 1, 1),
    "len": Func(_len, 1, 1),
    "index": Func(_index, 1, None),
    "slice": Func(_slice, 1, None),
    "print": Func(_print, 0, None),
    "printf": Func(_printf, 1, None),
    "println": Func(_println, 0, None),
    "html": Func(_html, 0, None),
    "js": Func(_js, 0, None),
    "urlquery": Func(_urlquery, 0, None),
    "call": Func(_call, 1, None),
    "eq": Func(_eq, 1, None),
    "ne": Func(_ne, 2, 2),
    "lt": Func(_lt, 2, 2),
    "le": Func(_le, 2, 2),
    "gt": Func(_gt, 2, 2),
    "ge": Func(_ge, 2, 2),
    # docker's cli/templates basicFunctions
    "json": Func(_json, 1, 1),
    "split": Func(_split, 2, 2),
    "join": Func(_join, 2, 2),
    "title": Func(_title, 1, 1),
    "lower": Func(_lower, 1, 1),
    "upper": Func(_upper, 1, 1),
    "pad": Func(_pad, 3, 3),
    "truncate": Func(_truncate, 2, 2),
}


def _keep_first(v: Any, *_: Any) -> Any:
    return v


# docker's templates.HeaderFunctions: when a table header row is rendered, the header text must
# come through these functions unchanged (pad is not overridden, so columns stay aligned).
HEADER_FUNCS: dict[str, Func] = {
    "json": Func(_keep_first, 1, 1),
    "split": Func(_keep_first, 2, 2),
    "join": Func(_keep_first, 2, 2),
    "title": Func(_keep_first, 1, 1),
    "lower": Func(_keep_first, 1, 1),
    "upper": Func(_keep_first, 1, 1),
    "truncate": Func(_keep_first, 2, 2),
}
