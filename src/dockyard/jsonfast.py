"""Compact JSON on CPython's ``_json`` accelerator, without importing the ``json`` package.

``json`` imports ``re`` (and through it ``enum``, ``functools``...): about 8 ms on a small machine,
paid by every ``dockyard`` command that reads a container record.  The hot paths (run, exec, ps,
the monitor) only need compact ``dumps`` and strict ``loads``, which the C module does alone; the
pretty printer (``inspect``) keeps using ``json``.  Output is byte-identical to
``json.dumps(obj, separators=(",", ":"))`` / ``json.dumps(obj)`` for the types dockyard stores.
Falls back to ``json`` when the accelerator is missing (another interpreter)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

try:
    import _json
except ImportError:  # pragma: no cover - non-CPython
    _json = None  # type: ignore[assignment]


class JSONError(ValueError):
    """Invalid JSON text (a ValueError, like json.JSONDecodeError)."""


_WS = " \t\n\r"


def _float_repr(o: float) -> str:
    if o != o:
        return "NaN"
    if o == float("inf"):
        return "Infinity"
    if o == -float("inf"):
        return "-Infinity"
    return float.__repr__(o)


def _default(o: Any) -> Any:
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class _Ctx:
    """What ``_json.make_scanner`` reads from a decoder: strict parsing, plain dicts and numbers."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int

    @staticmethod
    def parse_constant(name: str) -> float:
        return {"-Infinity": -float("inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


if _json is not None:
    _compact = _json.make_encoder(None, _default, _json.encode_basestring_ascii, None, ":", ",", False, False,
                                  True)
    _spaced = _json.make_encoder(None, _default, _json.encode_basestring_ascii, None, ": ", ", ", False, False,
                                 True)
    _sorted = _json.make_encoder(None, _default, _json.encode_basestring_ascii, None, ": ", ", ", True, False,
                                 True)
    _scan = _json.make_scanner(_Ctx())  # type: ignore[arg-type]  # duck-typed decoder context


def dumps(obj: Any, *, compact: bool = True, sort_keys: bool = False) -> str:
    """``json.dumps(obj, separators=(",", ":"))`` (``compact``) or ``json.dumps(obj[, sort_keys])``."""
    if compact and sort_keys:
        raise ValueError("jsonfast.dumps: sort_keys is for the spaced form only (use json for canonical JSON)")
    if _json is None:  # pragma: no cover
        import json
        return json.dumps(obj, separators=(",", ":") if compact else None, sort_keys=sort_keys)
    if isinstance(obj, str):
        return str(_json.encode_basestring_ascii(obj))
    enc = _compact if compact else (_sorted if sort_keys else _spaced)
    if not isinstance(obj, (dict, list, tuple)):
        if obj is None:
            return "null"
        if obj is True:
            return "true"
        if obj is False:
            return "false"
        if isinstance(obj, int):
            return int.__repr__(obj)
        if isinstance(obj, float):
            return _float_repr(obj)
    return "".join(enc(obj, 0))


def loads(s: str | bytes) -> Any:
    """``json.loads``: raises JSONError (a ValueError) on invalid text."""
    if isinstance(s, (bytes, bytearray)):
        s = s.decode("utf-8-sig" if s[:3] == b"\xef\xbb\xbf" else "utf-8")
    if _json is None:  # pragma: no cover
        import json
        return json.loads(s)
    i = 0
    n = len(s)
    while i < n and s[i] in _WS:
        i += 1
    try:
        obj, end = _scan(s, i)
    except StopIteration as err:
        raise JSONError(f"Expecting value: char {err.value}") from None
    except (ValueError, SystemError):
        # _json builds its error from json.decoder.JSONDecodeError, found in sys.modules only: if
        # json was never imported it fails with SystemError.  Errors are rare: let json say it.
        import json
        try:
            json.loads(s)
        except ValueError as err:
            raise JSONError(str(err)) from None
        raise JSONError("invalid JSON") from None
    while end < n and s[end] in _WS:
        end += 1
    if end != n:
        raise JSONError(f"Extra data: char {end}")
    return obj


def load(f: Any) -> Any:
    return loads(f.read())
