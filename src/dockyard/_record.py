"""``Record``: dataclass-like value classes without the dataclasses module's start-up cost.

``dataclasses`` imports ``inspect`` and generates every ``__init__`` with ``exec``; on the CLI's hot
path (``run``, ``exec``, ``ps``) that is a measurable part of the start-up time.  ``Record`` gives
the same typed constructor to mypy (PEP 681 ``dataclass_transform``) and builds instances at run
time with one generic ``__init__``::

    class Info(Record, frozen=True):
        digest: str
        size: int = 0
        tags: list[str] = field(default_factory=list)
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: Records are on every hot path, typing costs ~6 ms to import
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform
else:
    def dataclass_transform(**_kw: object) -> object:
        return lambda cls: cls


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    return _Factory(default_factory)


@dataclass_transform(field_specifiers=(field,))
class Record:
    _fields: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}
    _frozen: bool = False

    def __init_subclass__(cls, frozen: bool = False, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        names = list(cls._fields)
        defaults = dict(cls._defaults)
        for name in cls.__dict__.get("__annotations__", {}):
            if name.startswith("_") or name in names:
                continue
            names.append(name)
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                if isinstance(defaults[name], _Factory):
                    delattr(cls, name)
        cls._fields = tuple(names)
        cls._defaults = defaults
        cls._frozen = frozen

    def __init__(self, *args: Any, **kw: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))
        for k, v in kw.items():
            if k not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {k!r}")
            if k in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {k!r}")
            values[k] = v
        d = self.__dict__
        for name in fields:
            if name in values:
                d[name] = values[name]
                continue
            default = self._defaults.get(name, _MISSING)
            if default is _MISSING:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
            d[name] = default.make() if isinstance(default, _Factory) else default

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"cannot assign to field {name!r} of frozen {type(self).__name__}")
        object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def __hash__(self) -> int:
        if not self._frozen:
            raise TypeError(f"unhashable type: {type(self).__name__!r}")
        return hash(tuple(getattr(self, f) for f in self._fields))

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({inner})"


_MISSING = object()
if TYPE_CHECKING:
    _R = TypeVar("_R", bound=Record)


class cached_property:  # noqa: N801 - functools.cached_property without importing functools
    """``functools.cached_property`` for the hot path (mypy sees functools' own, see users)."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func
        self.name = func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


def fields(obj: Record | type[Record]) -> tuple[str, ...]:
    """The field names, in order (``dataclasses.fields`` without the Field objects)."""
    return obj._fields


def replace(obj: _R, **changes: Any) -> _R:
    """A copy of ``obj`` with ``changes`` applied (``dataclasses.replace``)."""
    values = {f: getattr(obj, f) for f in obj._fields}
    values.update(changes)
    return type(obj)(**values)


def asdict(obj: Any) -> Any:
    """Records (also nested in lists, tuples and dicts) as plain dicts (``dataclasses.asdict``)."""
    if isinstance(obj, Record):
        return {f: asdict(getattr(obj, f)) for f in obj._fields}
    if isinstance(obj, (list, tuple)):
        return type(obj)(asdict(v) for v in obj)
    if isinstance(obj, dict):
        return {k: asdict(v) for k, v in obj.items()}
    return obj
