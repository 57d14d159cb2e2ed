"""Which stages a build needs, in which order.

The target (``--target`` or the last stage) and, transitively, every stage it reads: its FROM base,
``COPY --from`` and ``RUN --mount=from=`` sources.  Stages nothing needs are not built.  References
are by stage name (case-insensitive) or index; anything else names an image.
"""

from __future__ import annotations

from .dockerfile import Dockerfile, Stage
from .dockerfile.instructions import Copy, Onbuild, Run
from .errors import BuildInputError


def stage_ref(df: Dockerfile, name: str, before: int | None = None) -> Stage | None:
    """The stage ``name`` refers to (name or index), or None when it names an image."""
    low = name.lower()
    for st in df.stages:
        if st.name is not None and st.name == low:
            if before is not None and st.index >= before:
                return None if st.index > before else st
            return st
    if name.isdigit():
        i = int(name)
        if i < len(df.stages):
            return df.stages[i]
    return None


def stage_deps(df: Dockerfile, st: Stage, base: str) -> list[tuple[Stage, int]]:
    """(stage, line) pairs that ``st`` reads; ``base`` is its FROM after expansion."""
    out: list[tuple[Stage, int]] = []
    dep = stage_ref(df, base, before=st.index)
    if dep is not None and dep.index < st.index:
        out.append((dep, st.from_.line))
    for ins in st.instructions:
        if isinstance(ins, Onbuild):
            continue
        if isinstance(ins, Copy) and ins.from_:
            d = stage_ref(df, ins.from_)
            if d is not None:
                out.append((d, ins.line))
        if isinstance(ins, Run):
            for m in ins.mounts:
                if m.from_:
                    d = stage_ref(df, m.from_)
                    if d is not None:
                        out.append((d, ins.line))
    return out


def plan_stages(df: Dockerfile, target: str | None, bases: dict[int, str]) -> list[Stage]:
    """The stages to build for ``target``, dependencies first; raises on an unknown target or a
    cycle.  ``bases`` maps stage index -> FROM base after expansion."""
    if target:
        found = stage_ref(df, target)
        if found is None:
            raise BuildInputError(f'target stage "{target}" could not be found')
        goal = found
    else:
        goal = df.stages[-1]
    order: list[Stage] = []
    state: dict[int, str] = {}

    def visit(st: Stage, line: int | None) -> None:
        mark = state.get(st.index)
        if mark == "done":
            return
        if mark == "active":
            raise BuildInputError(f"circular dependency detected on stage: {st.name or st.index}",
                                  line=line)
        state[st.index] = "active"
        for dep, dep_line in stage_deps(df, st, bases[st.index]):
            if dep.index == st.index:
                raise BuildInputError(f"circular dependency detected on stage: {st.name or st.index}",
                                      line=dep_line)
            visit(dep, dep_line)
        state[st.index] = "done"
        order.append(st)

    visit(goal, None)
    return order
