"""Planner (stage selection and order) and metadata instructions (pure config edits)."""

from __future__ import annotations

from typing import Any

import pytest

from dockyard.build.dockerfile import Expander, parse_dockerfile
from dockyard.build.errors import BuildInputError
from dockyard.build.metadata import apply_metadata, env_dict, go_list
from dockyard.build.planner import plan_stages

MULTI = """FROM busybox AS base
FROM base AS deps
FROM busybox AS unused
FROM busybox AS assets
FROM deps AS final
COPY --from=assets /a /a
RUN --mount=type=bind,from=base,target=/b true
"""


def _plan(text: str, target: str | None = None) -> list[str]:
    df = parse_dockerfile(text)
    bases = {st.index: st.base for st in df.stages}
    return [st.name or str(st.index) for st in plan_stages(df, target, bases)]


def test_only_needed_stages_in_dependency_order() -> None:
    assert _plan(MULTI) == ["base", "deps", "assets", "final"]
    assert _plan(MULTI, "deps") == ["base", "deps"]
    assert _plan(MULTI, "unused") == ["unused"]
    assert _plan(MULTI, "1") == ["base", "deps"]


def test_unknown_target_and_cycles() -> None:
    with pytest.raises(BuildInputError, match='target stage "nope" could not be found'):
        _plan(MULTI, "nope")
    with pytest.raises(BuildInputError, match="circular dependency"):
        _plan("FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /y /y\n")


def _apply(text: str, cfg: dict[str, Any] | None = None, env: dict[str, str] | None = None
           ) -> tuple[dict[str, Any], list[str]]:
    df = parse_dockerfile("FROM scratch\n" + text)
    cfg = cfg if cfg is not None else {}
    exp = Expander()
    state = {"cmd_set": False}
    created = []
    for ins in df.stages[0].instructions:
        scope = {**(env or {}), **env_dict(cfg)}
        created.append(apply_metadata(ins, cfg, lambda w, s=scope: exp.expand_word(w, s),
                                      lambda w, s=scope: exp.expand_words(w, s), state))
    return cfg, created


def test_env_label_expose_volume_user_workdir() -> None:
    cfg, created = _apply('ENV A=1 B="two words"\nENV C=${A}x\nLABEL "k"=v\nEXPOSE 80 53/udp 8000-8001\n'
                          "VOLUME /data\nUSER app\nWORKDIR /srv\nWORKDIR sub\nSTOPSIGNAL SIGINT\n",
                          {"Env": ["PATH=/bin", "A=0"]})
    assert cfg["Env"] == ["PATH=/bin", "A=1", "B=two words", "C=1x"]
    assert cfg["Labels"] == {"k": "v"}
    assert set(cfg["ExposedPorts"]) == {"80/tcp", "53/udp", "8000/tcp", "8001/tcp"}
    assert cfg["Volumes"] == {"/data": {}}
    assert cfg["User"] == "app"
    assert cfg["WorkingDir"] == "/srv/sub"
    assert cfg["StopSignal"] == "SIGINT"
    assert created[0] == "/bin/sh -c #(nop)  ENV A=1 B=two words"


def test_cmd_entrypoint_shell_and_history_text() -> None:
    cfg, created = _apply('CMD ["sh"]\nSHELL ["/bin/bash", "-c"]\nENTRYPOINT run me\n')
    assert cfg["Entrypoint"] == ["/bin/bash", "-c", "run me"]
    assert cfg["Cmd"] == ["sh"]  # set in this stage: kept
    assert created[0] == '/bin/sh -c #(nop)  CMD ["sh"]'
    cfg, _ = _apply('ENTRYPOINT ["x"]\n', {"Cmd": ["inherited"]})
    assert cfg["Cmd"] is None  # an inherited CMD is cleared by ENTRYPOINT
    assert go_list(["a", "b c"]) == '["a" "b c"]'


def test_healthcheck_and_onbuild() -> None:
    cfg, _ = _apply("HEALTHCHECK --interval=5s --retries=2 CMD curl -f x\nONBUILD RUN echo hi\n")
    assert cfg["Healthcheck"] == {"Test": ["CMD-SHELL", "curl -f x"], "Interval": 5_000_000_000, "Retries": 2}
    assert cfg["OnBuild"] == ["RUN echo hi"]
    cfg, _ = _apply("HEALTHCHECK NONE\n")
    assert cfg["Healthcheck"] == {"Test": ["NONE"]}
