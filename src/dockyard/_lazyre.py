"""``lazy_re(pattern)``: a compiled regular expression that imports ``re`` on first use.

``re`` (with ``enum``, ``functools``, its parser and compiler) costs ~8 ms at start-up here; modules
on the CLI's hot paths (``run``, ``exec``, ``ps``) define their patterns at module level with this
instead, so a command that never matches one never pays for it."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re


class _LazyPattern:
    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._compiled: object = None

    def __getattr__(self, name: str) -> object:
        compiled = self._compiled
        if compiled is None:
            import re
            compiled = self._compiled = re.compile(*self._args)
        return getattr(compiled, name)


def lazy_re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return _LazyPattern(pattern, flags)  # type: ignore[return-value]
