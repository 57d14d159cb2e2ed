"""BuildKit's "did you mean X?" suggestions (Levenshtein distance below 3)."""

from __future__ import annotations

from collections.abc import Iterable


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _match_case(val: str, orig: str) -> str:
    if orig == orig.lower():
        return val.lower()
    if orig == orig.upper():
        return val.upper()
    return val


def search(val: str, options: Iterable[str], *, case_sensitive: bool) -> str:
    """The closest option (distance < 3), or "" when none or when ``val`` is itself an option."""
    orig = val
    if not case_sensitive:
        val = val.lower()
    match = ""
    best = 3
    for opt in sorted(options):
        cand = opt if case_sensitive else opt.lower()
        if cand == val:
            return ""
        dist = levenshtein(val, cand)
        if dist < best:
            match = cand if case_sensitive else _match_case(cand, orig)
            best = dist
    return match


def with_suggestion(message: str, val: str, options: Iterable[str], *, case_sensitive: bool) -> str:
    match = search(val, options, case_sensitive=case_sensitive)
    return f"{message} (did you mean {match}?)" if match else message
