"""check_dockerfile: lint rules (names, messages, lines), stage errors, options."""

from __future__ import annotations

import pytest

from dockyard.build.dockerfile.check import RULES, check_dockerfile


def rules(text: str, **kw: object) -> list[tuple[str, int, str]]:
    result = check_dockerfile(text, platform="linux/amd64", **kw)  # type: ignore[arg-type]
    return [(w.rule, w.line, w.message) for w in result.warnings]


@pytest.mark.parametrize(("text", "expected"), [
    ("FROM a AS Build\n", ("StageNameCasing", 1, "Stage name 'Build' should be lowercase")),
    ("FROM a as b\n", ("FromAsCasing", 1, "'as' and 'FROM' keywords' casing do not match")),
    ("FROM a\nRUN a \\\n\n b\n", ("NoEmptyContinuation", 4, "Empty continuation line")),
    ("FROM a\nrun x\nRUN y\n",
     ("ConsistentInstructionCasing", 2,
      "Command 'run' should match the case of the command majority (uppercase)")),
    ("FROM a AS x\nFROM b AS x\n",
     ("DuplicateStageName", 2, 'Duplicate stage name "x", stage names should be unique')),
    ("FROM a AS context\n",
     ("ReservedStageName", 1, 'Stage name should not use the same name as reserved stage "context"')),
    ("FROM a\nENTRYPOINT run me\n",
     ("JSONArgsRecommended", 2,
      "JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals")),
    ("FROM a\nMAINTAINER x\n",
     ("MaintainerDeprecated", 2, "Maintainer instruction is deprecated in favor of using label")),
    ("ARG VERSION\nFROM a:$VERSON\n",
     ("UndefinedArgInFrom", 2, "FROM argument 'VERSON' is not declared (did you mean VERSION?)")),
    ("FROM a\nWORKDIR w\n",
     ("WorkdirRelativePath", 2,
      'Relative workdir "w" can have unexpected results if the base image changes')),
    ("FROM a\nENV PATH2=$PATHH\n",
     ("UndefinedVar", 2, "Usage of undefined variable '$PATHH' (did you mean $PATH?)")),
    ("FROM a\nHEALTHCHECK NONE\nHEALTHCHECK NONE\n",
     ("MultipleInstructionsDisallowed", 2,
      "Multiple HEALTHCHECK instructions should not be used in the same stage because only the last "
      "one will be used")),
    ("FROM a\nLABEL k v\n",
     ("LegacyKeyValueFormat", 2,
      '"LABEL key=value" should be used instead of legacy "LABEL key value" format')),
    ("ARG TAG=bad:tag:x\nFROM a:${TAG}\n",
     ("InvalidDefaultArgInFrom", 2,
      "Default value for ARG a:${TAG} results in empty or invalid base image name")),
    ("FROM a\nARG GITHUB_TOKEN\n",
     ("SecretsUsedInArgOrEnv", 2,
      'Do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN")')),
    ("FROM --platform=linux/amd64 a\n",
     ("FromPlatformFlagConstDisallowed", 1,
      'FROM --platform flag should not use constant value "linux/amd64"')),
    ("FROM --platform=$TARGETPLATFORM a\n",
     ("RedundantTargetPlatform", 1,
      "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior")),
])
def test_rule(text: str, expected: tuple[str, int, str]) -> None:
    found = rules(text)
    assert expected in found
    assert expected[0] in RULES


@pytest.mark.parametrize("text", [
    "FROM a\nCMD [\"x\"]\nENTRYPOINT [\"y\"]\n",
    "FROM a AS build\nFROM build AS final\n",
    "FROM --platform=linux/amd64 a AS amd64-build\n",  # arch in the stage name: allowed
    "ARG V=1\nFROM a:$V\nARG V\nENV X=$V\nWORKDIR /w\nWORKDIR rel\n",  # first WORKDIR absolute
    "FROM a\nSHELL [\"/bin/sh\", \"-c\"]\nCMD shell form ok after SHELL\n",
    "FROM a\nENV PUBLIC_KEY=x FILE_TOKEN_PATH=y\n",
    "FROM a\nARG LATER\nRUN --mount=type=cache,target=/$LATER x\nENV A=$PATH\n",
    "FROM a\nCMD [\"b\"]\nFROM a\nCMD [\"c\"]\n",  # one CMD per stage
])
def test_clean(text: str) -> None:
    assert rules(text) == []


def test_skip_and_error_directive() -> None:
    text = "# check=skip=JSONArgsRecommended;error=true\nFROM a\nCMD x\nMAINTAINER m\n"
    result = check_dockerfile(text)
    assert [w.rule for w in result.warnings] == ["MaintainerDeprecated"]
    assert result.errors == [
        "Dockerfile:4: Maintainer instruction is deprecated in favor of using label (MaintainerDeprecated)"
    ]
    assert check_dockerfile("# check=skip=all\nFROM a\nCMD x\n").warnings == []


def test_build_args_and_target() -> None:
    text = "ARG IMG\nFROM ${IMG:-busybox} AS one\nARG IMG\nENV I=$IMG\nFROM one AS two\n"
    result = check_dockerfile(text, build_args={"IMG": "alpine"}, target="TWO")
    assert result.ok, result.errors
    first = [e for e in result.expanded if e["keyword"] == "FROM"][0]
    assert first["base"] == "alpine"
    env = [e for e in result.expanded if e["keyword"] == "ENV"][0]
    assert env["pairs"] == [["I", "alpine"]]
    bad = check_dockerfile(text, target="three")
    assert bad.errors == ['Dockerfile: target stage "three" could not be found']


def test_base_env_is_configurable() -> None:
    text = "FROM a\nWORKDIR $HOME\n"
    # $HOME is unknown: expands to "", which is also a relative WORKDIR
    assert [w.rule for w in check_dockerfile(text).warnings] == ["UndefinedVar", "WorkdirRelativePath"]
    assert check_dockerfile(text, base_env={"HOME": "/root"}).warnings == []


def test_stage_named_like_its_base_is_the_image() -> None:
    result = check_dockerfile("FROM node AS node\nENV A=1\nFROM node\nENV B=$A\n")
    assert result.ok
    # the second FROM uses the first stage, so $A is defined there
    assert [w.rule for w in result.warnings] == []


def test_copy_from_unknown_name_is_an_image() -> None:
    result = check_dockerfile("FROM a\nCOPY --from=nginx:latest /etc/nginx /x\n")
    assert result.ok and result.warnings == []


def test_syntax_error_is_reported_not_raised() -> None:
    result = check_dockerfile("FROM a\nCOPY <<EOF /x\n")
    assert result.errors == ["Dockerfile:2: unterminated heredoc"]
    assert result.instructions_json == [] and result.dockerfile is None


def test_instruction_json_shape() -> None:
    result = check_dockerfile("ARG A\nFROM a\nRUN --network=none <<-EOF\n\techo\n\tEOF\n")
    assert result.instructions_json[0]["stage"] is None
    run = result.instructions_json[2]
    assert run == {
        "keyword": "RUN", "flags": ["--network=none"], "args": ["<<-EOF"], "exec_form": False,
        "heredocs": [{"name": "EOF", "content": "echo\n", "expand": True, "chomp": True}],
        "start_line": 3, "end_line": 5, "stage": 0,
    }
