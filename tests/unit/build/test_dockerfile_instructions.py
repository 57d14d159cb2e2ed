"""Typed instructions: what the executor receives from ``parse_dockerfile``."""

from __future__ import annotations

import dataclasses

import pytest

from dockyard.build.dockerfile.args import global_args, predefined_args
from dockyard.build.dockerfile.instructions import (
    Add,
    Arg,
    ArgDef,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    KeyValue,
    Label,
    Maintainer,
    Mount,
    Onbuild,
    Run,
    Shell,
    StopSignal,
    User,
    Volume,
    Workdir,
    parse_dockerfile,
    parse_mount,
)
from dockyard.build.dockerfile.shell import Expander
from dockyard.errors import DockerfileSyntaxError, InvalidArgument

FULL = """\
# syntax=docker/dockerfile:1
# escape=\\
ARG BASE=alpine VERSION
FROM --platform=$BUILDPLATFORM ${BASE} AS Build
RUN --mount=type=cache,target=/c,id=x,sharing=private --network=none make
RUN ["echo", "exec"]
CMD echo shell
ENTRYPOINT ["/init"]
LABEL a=b "c d"=e
EXPOSE 443 80/udp
ENV K=V L="quoted value"
ENV OLD style value
ADD --chown=1:2 --chmod=644 --checksum=sha256:abc --keep-git-dir=false --link --unpack a b /dst/
COPY --from=build --parents --exclude=*.md --exclude=x src/ /app/
VOLUME ["/v1", "/v2"]
USER app:app
WORKDIR /app
ARG X=1 Y
ONBUILD RUN echo later
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1.5s --retries=4 CMD ["check"]
SHELL ["/bin/bash", "-c"]
MAINTAINER me
FROM build
"""


def test_full_dockerfile_typed() -> None:
    df = parse_dockerfile(FULL)
    assert df.directives.syntax == "docker/dockerfile:1"
    assert df.escape == "\\"
    assert [a.args for a in df.global_args] == [(ArgDef("BASE", "alpine"), ArgDef("VERSION"))]
    first, second = df.stages
    assert (first.base, first.name, first.platform) == ("${BASE}", "build", "$BUILDPLATFORM")
    assert first.from_.keyword == "FROM" and first.from_.line == 4
    assert (second.base, second.name, second.index) == ("build", None, 1)
    ins = first.instructions
    kinds = [type(i) for i in ins]
    assert kinds == [Run, Run, Cmd, Entrypoint, Label, Expose, Env, Env, Add, Copy, Volume, User,
                     Workdir, Arg, Onbuild, StopSignal, Healthcheck, Shell, Maintainer]
    run = ins[0]
    assert isinstance(run, Run)
    assert run.command == ("make",) and not run.exec_form and run.network == "none"
    assert run.mounts == (Mount(type="cache", target="/c", id="x", sharing="private", readonly=False),)
    assert ins[1] == Run(6, 6, "RUN", 'RUN ["echo", "exec"]', command=("echo", "exec"), exec_form=True)
    assert isinstance(ins[2], Cmd) and ins[2].command == ("echo shell",)
    assert isinstance(ins[4], Label)
    assert ins[4].pairs == (KeyValue("a", "b"), KeyValue('"c d"', "e"))
    assert isinstance(ins[5], Expose) and ins[5].ports == ("443", "80/udp")
    assert isinstance(ins[7], Env) and ins[7].pairs == (KeyValue("OLD", "style value", legacy=True),)
    add = ins[8]
    assert isinstance(add, Add)
    assert (add.sources, add.dest, add.chown, add.chmod, add.checksum) == (
        ("a", "b"), "/dst/", "1:2", "644", "sha256:abc")
    assert (add.keep_git_dir, add.link, add.unpack) == (False, True, True)
    copy = ins[9]
    assert isinstance(copy, Copy)
    assert (copy.from_, copy.parents, copy.excludes) == ("build", True, ("*.md", "x"))
    assert isinstance(ins[10], Volume) and ins[10].paths == ("/v1", "/v2")
    onbuild = ins[14]
    assert isinstance(onbuild, Onbuild) and onbuild.expression == "RUN echo later"
    assert isinstance(onbuild.trigger, Run) and onbuild.trigger.command == ("echo later",)
    hc = ins[16]
    assert isinstance(hc, Healthcheck)
    assert hc.test == ("CMD", "check")
    assert (hc.interval, hc.timeout, hc.start_period, hc.start_interval, hc.retries) == (
        90 * 10**9, 500 * 10**6, 2 * 10**9, 1_500_000_000, 4)


def test_instructions_are_frozen() -> None:
    df = parse_dockerfile("FROM a\nRUN x\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        df.stages[0].instructions[0].line = 3  # type: ignore[misc]


def test_heredoc_sources_and_chomp() -> None:
    df = parse_dockerfile('FROM a\nCOPY <<-A <<"B" /d/\n\tx $V\n\tA\ny $V\nB\nRUN <<-E\n\t\tz\n\tE\n')
    copy, run = df.stages[0].instructions
    assert isinstance(copy, Copy) and isinstance(run, Run)
    assert [(c.path, c.data, c.expand) for c in copy.contents] == [("A", "x $V\n", True),
                                                                 ("B", "y $V\n", False)]
    assert copy.sources == () and copy.dest == "/d/"
    assert run.heredocs[0].content == "\t\tz\n" and run.heredocs[0].chomped() == "z\n"
    assert (copy.line, copy.end_line) == (2, 6)


def test_healthcheck_none_and_shell_form() -> None:
    df = parse_dockerfile("FROM a\nHEALTHCHECK NONE\nHEALTHCHECK CMD curl -f x || exit 1\n")
    none, shell = df.stages[0].instructions
    assert isinstance(none, Healthcheck) and none.test == ("NONE",)
    assert isinstance(shell, Healthcheck) and shell.test == ("CMD-SHELL", "curl -f x || exit 1")


def test_entrypoint_empty_json_and_stage_lookup() -> None:
    df = parse_dockerfile("FROM a AS One\nENTRYPOINT []\nFROM b\n")
    ep = df.stages[0].instructions[0]
    assert isinstance(ep, Entrypoint) and ep.command == () and ep.exec_form
    assert df.stage("ONE").index == 0 and df.stage("1").index == 1
    with pytest.raises(InvalidArgument, match='target stage "two" could not be found'):
        df.stage("two")


@pytest.mark.parametrize(("text", "message"), [
    ("FROM a\nRUN --mount=type=bind,mode=0755 x\n", 'mode not allowed for "bind" type mounts'),
    ("FROM a\nRUN --mount=type=cache,sharing=odd x\n", 'unsupported sharing value "odd"'),
    ("FROM a\nRUN --mount=type=cache,bogus=1 x\n", "unexpected key 'bogus' in 'bogus=1'"),
    ("FROM a\nRUN --mount=type=bind,size=1m x\n", "unexpected key 'size' for mount type 'bind'"),
    ("FROM a\nRUN --mount=type=cache,from=$X x\n", "'from' doesn't support variable expansion"),
    ("FROM a\nRUN --security=weird x\n", 'security "weird" is not valid'),
    ("FROM a\nCOPY --link=false --link=true a b\n", "duplicate flag specified: --link"),
    ("FROM a\nCOPY --from a b\n", "missing a value on flag: --from"),
    ("FROM a\nHEALTHCHECK --retries=-1 CMD x\n", "--retries cannot be negative (-1)"),
    ("FROM a\nHEALTHCHECK --timeout=1ns CMD x\n", 'Interval "timeout" cannot be less than 1ms'),
    ("FROM a\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments"),
    ("FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"),
    ("FROM a\nARG =x\n", "ARG names can not be blank"),
    ("FROM a\nENV =x\n", "ENV names can not be blank"),
    ("FROM a\nLABEL\n", "LABEL requires at least one argument"),
    ("FROM a\nONBUILD\n", "ONBUILD requires at least one argument"),
    ("FROM a\nADD a\n", "ADD requires at least two arguments"),
    ("FROM a\nUSER --x u\n", "unknown flag: --x"),
])
def test_invalid_instructions(text: str, message: str) -> None:
    with pytest.raises(DockerfileSyntaxError) as info:
        parse_dockerfile(text)
    assert info.value.line == 2
    assert message in str(info.value)
    assert str(info.value).startswith("Dockerfile:2: ")


def test_mount_reparsed_with_expander() -> None:
    df = parse_dockerfile("FROM a\nRUN --mount=type=$T,target=/x x\n")
    run = df.stages[0].instructions[0]
    assert isinstance(run, Run) and run.mounts == ()  # deferred: only valid once expanded
    env = {"T": "tmpfs"}
    mount = parse_mount(run.mount_specs[0], lambda v: Expander().expand_word(v, env))
    assert mount == Mount(type="tmpfs", target="/x", readonly=False)


def test_predefined_args_and_global_scope() -> None:
    args = predefined_args("linux/arm64/v8", build_platform="linux/amd64", target="final")
    assert args["TARGETPLATFORM"] == "linux/arm64/v8"
    assert (args["TARGETOS"], args["TARGETARCH"], args["TARGETVARIANT"]) == ("linux", "arm64", "v8")
    assert (args["BUILDPLATFORM"], args["BUILDARCH"], args["BUILDVARIANT"]) == ("linux/amd64", "amd64", "")
    assert args["TARGETSTAGE"] == "final"
    df = parse_dockerfile("ARG A=x B=${A}y\nARG C\nFROM $B\n")
    scope = global_args(df, {"C": "cli", "UNDECLARED": "no"}, platform="linux/amd64")
    assert (scope["A"], scope["B"], scope["C"]) == ("x", "xy", "cli")
    assert "UNDECLARED" not in scope and scope["TARGETARCH"] == "amd64"
    assert global_args(df, {"A": "z"})["B"] == "zy"
