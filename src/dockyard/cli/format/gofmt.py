"""Go's ``fmt`` and ``encoding/json`` output for plain Python data.

Templates print values the way Go does, so ``--format`` output matches docker byte for byte:

* ``go_str(v)`` is ``fmt.Sprint(v)`` (the ``%v`` verb): lists print as ``[a b]``, dicts as
  ``map[k:v]`` sorted by key, ``None`` inside a container as ``<nil>``, booleans as
  ``true``/``false``, floats in Go's shortest ``%g`` form (``1e+06``).
* ``go_sprintf(fmt, args)`` is ``fmt.Sprintf`` for the verbs people write in templates.
* ``go_json(v)`` is docker's ``json`` template function (compact, no HTML escaping);
  ``go_json(v, escape_html=True)`` is ``json.Marshal``.
* ``go_quote(s)`` is ``strconv.Quote``.

The data model is JSON-like: ``dict`` (a Go map), ``list``/``tuple`` (a slice), ``str``, ``int``,
``float``, ``bool``, ``None`` (a nil interface), dataclasses (structs). ``MISSING`` is Go's
"invalid value", what a missing map key evaluates to; templates print it as ``<no value>``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = [
    "MISSING",
    "Missing",
    "go_float",
    "go_json",
    "go_quote",
    "go_sprintf",
    "go_str",
    "go_type_name",
]


class Missing:
    """Go's invalid ``reflect.Value``: the result of looking up a key a map does not have."""

    _instance: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = Missing()


def go_type_name(v: Any) -> str:
    """The Go type a value stands for, as Go spells it in error messages."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, Mapping):
        return "map[string]interface {}"
    if isinstance(v, (bytes, bytearray)):
        return "[]uint8"
    if isinstance(v, (list, tuple)):
        return "[]interface {}"
    if v is None or v is MISSING:
        return "interface {}"
    return type(v).__name__


# --- numbers -----------------------------------------------------------------------------------


def _digits_exp(x: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of abs(x) and the decimal exponent of the first one."""
    r = repr(abs(x))
    mant, _, e = r.partition("e")
    exp = int(e) if e else 0
    ip, _, fp = mant.partition(".")
    if fp == "0":
        fp = ""
    digits = (ip + fp).lstrip("0")
    if not digits:
        return "0", 0
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    point = len(ip) - lead_zeros  # digits before the decimal point
    digits = digits.rstrip("0") or "0"
    return digits, point - 1 + exp


def _special(x: float) -> str | None:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return None


def _fmt_e(sign: str, digits: str, exp: int) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(sign: str, digits: str, exp: int) -> str:
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if len(digits) <= exp + 1:
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[: exp + 1]}.{digits[exp + 1 :]}"


def go_float(x: float) -> str:
    """``strconv.FormatFloat(x, 'g', -1, 64)``: what ``%v`` prints for a float64."""
    special = _special(x)
    if special is not None:
        return special
    sign = "-" if math.copysign(1.0, x) < 0 else ""
    digits, exp = _digits_exp(x)
    if digits == "0":
        return sign + "0"
    # strconv's shortest %g switches to the exponent form when exp < -4 || exp >= 6.
    eprec = 6
    if exp < -4 or exp >= eprec:
        return _fmt_e(sign, digits, exp)
    return _fmt_f(sign, digits, exp)


def _json_float(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"json: unsupported value: {go_float(x)}")
    sign = "-" if x < 0 else ""
    digits, exp = _digits_exp(x)
    if digits == "0":
        return "0"
    a = abs(x)
    if a < 1e-6 or a >= 1e21:
        s = _fmt_e(sign, digits, exp)
        return re.sub(r"e([+-])0(\d)$", r"e\1\2", s)
    return _fmt_f(sign, digits, exp)


# --- %v ----------------------------------------------------------------------------------------


def _sort_key(k: Any) -> tuple[int, Any]:
    if isinstance(k, bool):
        return (0, k)
    if isinstance(k, (int, float)):
        return (1, k)
    return (2, str(k))


def _v(v: Any, top: bool) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if v is None:
        return "<nil>"
    if v is MISSING:
        return "<no value>" if top else "<invalid reflect.Value>"
    if isinstance(v, Mapping):
        items = sorted(v.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{_v(k, False)}:{_v(x, False)}" for k, x in items) + "]"
    if isinstance(v, (bytes, bytearray)):
        return "[" + " ".join(str(b) for b in v) + "]"
    if isinstance(v, (list, tuple)):
        return "[" + " ".join(_v(x, False) for x in v) + "]"
    names = _struct_fields(v)
    if names is not None:
        return "{" + " ".join(_v(getattr(v, n), False) for n in names) + "}"
    return str(v)


def go_str(v: Any) -> str:
    """``fmt.Sprint(v)`` for one value; ``MISSING`` prints as ``<no value>`` as templates do."""
    if isinstance(v, str):
        return v
    if v is None:  # a nil interface value prints as "no value" at the top level
        return "<no value>"
    return _v(v, True)


# --- strconv.Quote -----------------------------------------------------------------------------

_SHORT_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
}


def _printable(ch: str) -> bool:
    if ch == " ":
        return True
    cat = unicodedata.category(ch)
    return cat[0] in "LMNPS"


def go_quote(s: str, quote: str = '"') -> str:
    """``strconv.Quote``: Go escapes, printable Unicode kept as is."""
    out = [quote]
    for ch in s:
        if ch == quote:
            out.append("\\" + ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif _printable(ch) and not 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(ch)
        else:
            o = ord(ch)
            if 0xD800 <= o <= 0xDFFF:
                out.append("\\ufffd")
            elif o < 0x80:
                out.append(f"\\x{o:02x}")
            elif o < 0x10000:
                out.append(f"\\u{o:04x}")
            else:
                out.append(f"\\U{o:08x}")
    out.append(quote)
    return "".join(out)


# --- JSON --------------------------------------------------------------------------------------

_JSON_ESC: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_JSON_RE: Final = re.compile('["\\\\\x00-\x1f\u2028\u2029]')
_JSON_HTML_RE: Final = re.compile('["\\\\\x00-\x1f\u2028\u2029<>&]')


def _json_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    return _JSON_ESC.get(ch) or f"\\u{ord(ch):04x}"


def _json(v: Any, rx: re.Pattern[str], out: list[str]) -> None:
    if isinstance(v, str):
        out.append('"' + rx.sub(_json_char, v) + '"')
    elif v is None or v is MISSING:
        out.append("null")
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(_json_float(v))
    elif isinstance(v, Mapping):
        out.append("{")
        first = True
        for k in sorted(v, key=str):
            x = v[k]
            if callable(x):
                continue
            if not first:
                out.append(",")
            first = False
            _json(str(k), rx, out)
            out.append(":")
            _json(x, rx, out)
        out.append("}")
    elif isinstance(v, (bytes, bytearray)):
        import base64

        out.append('"' + base64.b64encode(bytes(v)).decode() + '"')
    elif isinstance(v, Sequence):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _json(x, rx, out)
        out.append("]")
    elif _struct_fields(v) is not None:
        out.append("{")
        for i, f in enumerate(_FieldName(n) for n in (_struct_fields(v) or ())):
            if i:
                out.append(",")
            _json(f.name, rx, out)
            out.append(":")
            _json(getattr(v, f.name), rx, out)
        out.append("}")
    else:
        raise ValueError(f"json: unsupported type: {type(v).__name__}")


def go_json(v: Any, *, escape_html: bool = False) -> str:
    """Compact JSON as Go encodes it: map keys sorted, Go float formatting, ``\\u2028`` escaped.

    ``escape_html=False`` is docker's ``json`` template function (``SetEscapeHTML(false)``);
    ``True`` is ``json.Marshal`` (``<``, ``>``, ``&`` become ``\\u003c`` etc.).
    Raises ValueError for values JSON cannot hold (NaN, arbitrary objects).
    """
    out: list[str] = []
    _json(v, _JSON_HTML_RE if escape_html else _JSON_RE, out)
    return "".join(out)


# --- fmt.Sprintf -------------------------------------------------------------------------------

_VERB_RE: Final = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])?")


class _Spec:
    __slots__ = ("flags", "width", "prec", "verb")

    def __init__(self, flags: str, width: int | None, prec: int | None, verb: str) -> None:
        self.flags = flags
        self.width = width
        self.prec = prec
        self.verb = verb


class _FieldName:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _struct_fields(v: Any) -> tuple[str, ...] | None:
    """Field names of a struct-like value (a dataclass or a Record instance), else None.
    Checked without importing dataclasses: that import alone costs ~20 ms of CLI start-up."""
    if isinstance(v, type):
        return None
    fields = getattr(type(v), "__dataclass_fields__", None)
    if fields is not None:
        return tuple(name for name, f in fields.items() if getattr(f, "_field_type", None) is not None
                     and str(getattr(f, "_field_type", "")) == "_FIELD")
    record_fields = getattr(type(v), "_fields", None)
    if isinstance(record_fields, tuple) and hasattr(type(v), "_frozen"):
        return record_fields
    return None


def _bad(verb: str, v: Any) -> str:
    if v is None or v is MISSING:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type_name(v)}={go_str(v)})"


def _pad(s: str, spec: _Spec, numeric: bool = False) -> str:
    if spec.width is None or len(s) >= spec.width:
        return s
    n = spec.width - len(s)
    if "-" in spec.flags:
        return s + " " * n
    if "0" in spec.flags and numeric:
        sign = s[0] if s[:1] in ("-", "+", " ") else ""
        body = s[len(sign) :]
        return sign + "0" * n + body
    return " " * n + s


def _sign(neg: bool, spec: _Spec) -> str:
    if neg:
        return "-"
    if "+" in spec.flags:
        return "+"
    if " " in spec.flags:
        return " "
    return ""


def _fmt_int(v: int, spec: _Spec) -> str:
    verb = spec.verb
    a = abs(v)
    prefix = ""
    if verb in "dv":
        body = str(a)
    elif verb == "x":
        body, prefix = f"{a:x}", "0x"
    elif verb == "X":
        body, prefix = f"{a:X}", "0X"
    elif verb == "o":
        body, prefix = f"{a:o}", "0"
    elif verb == "O":
        return _pad(_sign(v < 0, spec) + f"0o{a:o}", spec, True)
    elif verb == "b":
        body, prefix = f"{a:b}", "0b"
    elif verb == "c":
        return _pad(chr(v), spec)
    elif verb == "q":
        return _pad(go_quote(chr(v), "'"), spec)
    elif verb == "U":
        s = f"U+{v:04X}"
        if "#" in spec.flags:
            s += f" '{chr(v)}'"
        return _pad(s, spec)
    elif verb in "eEfFgG":
        return _bad(verb, v)
    else:
        return _bad(verb, v)
    if spec.prec is not None:
        body = body.rjust(spec.prec, "0") if not (spec.prec == 0 and a == 0) else ""
    if "#" in spec.flags and verb != "d" and verb != "v":
        body = prefix + body
    return _pad(_sign(v < 0, spec) + body, spec, spec.prec is None)


def _fmt_float(v: float, spec: _Spec) -> str:
    verb = spec.verb
    special = _special(v)
    if special is not None:
        if special == "+Inf" and "+" not in spec.flags:
            special = "Inf"
        return _pad(special, spec)
    neg = math.copysign(1.0, v) < 0
    a = abs(v)
    if verb in "vgG" and spec.prec is None:
        body = go_float(a)
        if verb == "G":
            body = body.upper()
    elif verb in "vgG":
        p = spec.prec if spec.prec else 1
        body = f"{a:.{p}{'G' if verb == 'G' else 'g'}}"
    elif verb in "eE":
        body = f"{a:.{6 if spec.prec is None else spec.prec}{verb}}"
    elif verb in "fF":
        body = f"{a:.{6 if spec.prec is None else spec.prec}f}"
    else:
        return _bad(verb, v)
    return _pad(_sign(neg, spec) + body, spec, True)


def _fmt_str(v: str, spec: _Spec) -> str:
    verb = spec.verb
    if verb == "v" and "#" in spec.flags:
        s = go_quote(v)
    elif verb in "sv":
        s = v if spec.prec is None else v[: spec.prec]
    elif verb == "q":
        s = go_quote(v if spec.prec is None else v[: spec.prec])
        if "#" in spec.flags and "`" not in v and all(_printable(c) for c in v):
            s = "`" + v + "`"
    elif verb in "xX":
        data = v.encode()
        if spec.prec is not None:
            data = data[: spec.prec]
        s = data.hex()
        if verb == "X":
            s = s.upper()
        if " " in spec.flags:
            s = " ".join(s[i : i + 2] for i in range(0, len(s), 2))
    else:
        return _bad(verb, v)
    return _pad(s, spec)


def _fmt_one(v: Any, spec: _Spec) -> str:
    verb = spec.verb
    if isinstance(v, bool):
        if verb in "tv":
            return _pad("true" if v else "false", spec)
        return _bad(verb, v)
    if isinstance(v, int):
        return _fmt_int(v, spec)
    if isinstance(v, float):
        return _fmt_float(v, spec)
    if isinstance(v, str):
        return _fmt_str(v, spec)
    if v is None or v is MISSING:
        if verb == "v":
            return _pad("<nil>", spec)
        return _bad(verb, v)
    if isinstance(v, (list, tuple)) and verb != "v":
        return "[" + " ".join(_fmt_elem(x, spec) for x in v) + "]"
    if isinstance(v, Mapping) and verb != "v":
        items = sorted(v.items(), key=lambda kv: _sort_key(kv[0]))
        return "map[" + " ".join(f"{_fmt_elem(k, spec)}:{_fmt_elem(x, spec)}" for k, x in items) + "]"
    if verb in "sv":
        return _pad(go_str(v), spec)
    return _bad(verb, v)


def _fmt_elem(v: Any, spec: _Spec) -> str:
    """An element inside a slice or map: a nil interface prints as <nil> whatever the verb."""
    return "<nil>" if v is None else _fmt_one(v, spec)


def go_sprintf(fmt: str, args: Sequence[Any]) -> str:
    """``fmt.Sprintf(fmt, args...)`` including Go's ``%!d(string=x)`` / ``%!s(MISSING)`` markers."""
    out: list[str] = []
    argi = 0
    pos = 0
    n = len(fmt)
    while pos < n:
        j = fmt.find("%", pos)
        if j < 0:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:j])
        m = _VERB_RE.match(fmt, j)
        assert m is not None  # the pattern always matches a lone "%"
        flags, width_s, prec_s, verb = m.groups()
        pos = m.end()
        if verb is None:
            out.append("%!(NOVERB)")
            continue
        if verb == "%":
            out.append("%")
            continue
        width: int | None = None
        prec: int | None = None
        if width_s == "*":
            if argi < len(args) and isinstance(args[argi], int):
                width = args[argi]
                if width < 0:
                    flags += "-"
                    width = -width
            else:
                out.append("%!(BADWIDTH)")
            argi += 1
        elif width_s:
            width = int(width_s)
        if prec_s == "*":
            if argi < len(args) and isinstance(args[argi], int):
                prec = args[argi]
            else:
                out.append("%!(BADPREC)")
            argi += 1
        elif prec_s is not None:
            prec = int(prec_s) if prec_s else 0
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_fmt_one(args[argi], _Spec(flags, width, prec, verb)))
        argi += 1
    if argi < len(args):
        extra = ", ".join(
            "<nil>" if a is None or a is MISSING else f"{go_type_name(a)}={go_str(a)}" for a in args[argi:]
        )
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def go_sprint(args: Sequence[Any]) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out: list[str] = []
    prev_str = True
    for i, a in enumerate(args):
        is_str = isinstance(a, str)
        if i > 0 and not is_str and not prev_str:
            out.append(" ")
        out.append("<nil>" if a is None or a is MISSING else _v(a, False))
        prev_str = is_str
    return "".join(out)


def go_sprintln(args: Sequence[Any]) -> str:
    """``fmt.Sprintln``: operands separated by spaces, then a newline."""
    return " ".join("<nil>" if a is None or a is MISSING else _v(a, False) for a in args) + "\n"
