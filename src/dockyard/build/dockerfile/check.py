"""``dockyard build --check``: parse, validate stages and run BuildKit's lint rules.

:func:`check_dockerfile` never raises for a bad Dockerfile: syntax errors, unknown targets and
stage problems are returned in ``errors`` ("Dockerfile:LINE: message"), lint findings in
``warnings`` with BuildKit's rule names and messages.

The lint walk simulates each stage's variable scope the way BuildKit does (global ARGs for FROM;
ARG/ENV in order inside a stage; a stage built FROM an earlier stage inherits its scope).  The
environment of an external base image is unknown here: it is taken to be ``base_env`` (default:
just ``PATH``), so UndefinedVar may flag a variable that the real base image defines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from dockyard.errors import DockerfileSyntaxError, InvalidArgument
from dockyard.reference import is_reference_like

from ._suggest import search, with_suggestion
from .args import Platform, global_args
from .instructions import (
    EMPTY_DOCKERFILE,
    Add,
    Arg,
    Cmd,
    Copy,
    Dockerfile,
    Entrypoint,
    Env,
    Expose,
    Healthcheck,
    Instruction,
    Label,
    Run,
    Shell,
    Stage,
    StopSignal,
    User,
    Volume,
    Workdir,
    build_dockerfile,
    parse_mount,
)
from .parser import Node, parse
from .shell import Expander

__all__ = ["RULES", "CheckResult", "LintWarning", "Warning", "check_dockerfile", "node_json"]

DEFAULT_BASE_ENV: Mapping[str, str] = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
_DOCS = "https://docs.docker.com/go/dockerfile/rule/"
RULES = (
    "StageNameCasing", "FromAsCasing", "NoEmptyContinuation", "ConsistentInstructionCasing",
    "DuplicateStageName", "ReservedStageName", "JSONArgsRecommended", "MaintainerDeprecated",
    "UndefinedArgInFrom", "WorkdirRelativePath", "UndefinedVar", "MultipleInstructionsDisallowed",
    "LegacyKeyValueFormat", "RedundantTargetPlatform", "SecretsUsedInArgOrEnv",
    "InvalidDefaultArgInFrom", "FromPlatformFlagConstDisallowed",
)
_RESERVED_STAGE_NAMES = ("context", "scratch")
_NON_ENV_ARGS = ("BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE")
_SECRET = re.compile(
    r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)"
)
_SECRET_ALLOW = re.compile(r"(?i)(?:_|^)(?:public|file|version)(?:_|$)")


def _url(rule: str) -> str:
    return _DOCS + re.sub(r"(?<!^)(?=[A-Z][a-z])", "-", rule).lower().replace("j-s-o-n", "json") + "/"


@dataclass(frozen=True)
class LintWarning:
    rule: str
    message: str
    line: int

    @property
    def url(self) -> str:
        return _url(self.rule)

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "line": self.line}


Warning = LintWarning  # the name the brief and BuildKit use


@dataclass(frozen=True)
class CheckResult:
    """Everything ``build --check`` reports.  ``dockerfile`` is None when parsing failed."""

    instructions_json: list[dict[str, Any]]
    warnings: list[LintWarning]
    errors: list[str]
    dockerfile: Dockerfile | None = None
    #: per stage instruction, in order: the fields BuildKit expands, expanded with the simulated
    #: scope (FROM: base/platform; ENV/LABEL: pairs; COPY/ADD: sources/dest/...; ...)
    expanded: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def node_json(node: Node, stage: int | None) -> dict[str, Any]:
    """The parse-layer view of one instruction (the golden-file format).

    Heredoc ``content`` is what the build uses: leading tabs already stripped for ``<<-``.
    """
    out: dict[str, Any] = {
        "keyword": node.keyword.upper(),
        "flags": list(node.flags),
        "args": list(node.args),
        "exec_form": node.json,
        "heredocs": [{"name": h.name, "content": h.chomped(), "expand": h.expand, "chomp": h.chomp}
                     for h in node.heredocs],
        "start_line": node.start_line,
        "end_line": node.end_line,
        "stage": stage,
    }
    if node.sub is not None:
        out["trigger"] = {"keyword": node.sub.keyword.upper(), "flags": list(node.sub.flags),
                          "args": list(node.sub.args)}
    return out


def _lint_config(check: str | None) -> tuple[frozenset[str], bool, bool]:
    """``# check=skip=A,B;error=true`` -> (skipped rules, skip all, warnings are errors)."""
    skip: set[str] = set()
    skip_all = as_error = False
    for part in (check or "").split(";"):
        key, _, value = part.strip().partition("=")
        key = key.strip().lower()
        if key == "skip":
            names = {v.strip() for v in value.split(",") if v.strip()}
            skip_all = skip_all or "all" in names
            skip |= names
        elif key == "error":
            as_error = value.strip().lower() == "true"
    return frozenset(skip), skip_all, as_error


@dataclass
class _StageScope:
    env: dict[str, str]
    shell_set: bool = False


@dataclass
class _Linter:
    expander: Expander
    skip: frozenset[str] = frozenset()
    skip_all: bool = False
    warnings: list[LintWarning] = field(default_factory=list)
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    expanded: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, rule: str, line: int, message: str) -> None:
        if not self.skip_all and rule not in self.skip:
            self.warnings.append(LintWarning(rule, message, line))

    def error(self, line: int | None, message: str) -> None:
        self.errors.append((line, message))


def check_dockerfile(
    text: str,
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    platform: str | None = None,
    base_env: Mapping[str, str] | None = None,
) -> CheckResult:
    """Parse ``text`` and report its errors and BuildKit lint warnings."""
    if not text:
        return CheckResult([], [], [str(DockerfileSyntaxError(EMPTY_DOCKERFILE))])
    try:
        parsed = parse(text)
    except DockerfileSyntaxError as err:
        return CheckResult([], [], [str(err)])
    stage_of: list[int | None] = []
    index: int | None = None
    for node in parsed.nodes:
        if node.cmd == "from":
            index = 0 if index is None else index + 1
        stage_of.append(index)
    instructions_json = [node_json(n, s) for n, s in zip(parsed.nodes, stage_of, strict=True)]
    skip, skip_all, as_error = _lint_config(parsed.directives.check)
    lint = _Linter(Expander(parsed.directives.escape), skip, skip_all)
    for line, _text in parsed.empty_continuation_lines:
        lint.warn("NoEmptyContinuation", line, "Empty continuation line")
    for node in parsed.nodes:
        _lint_node(lint, node)
    try:
        dockerfile = build_dockerfile(parsed.nodes, parsed.directives, parsed.empty_continuation_lines)
    except DockerfileSyntaxError as err:
        return CheckResult(instructions_json, _sorted(lint.warnings), [str(err)])
    _lint_stage_names(lint, dockerfile)
    _lint_casing(lint, dockerfile)
    _walk(lint, dockerfile, dict(build_args or {}), target, platform,
          DEFAULT_BASE_ENV if base_env is None else base_env)
    warnings = _sorted(lint.warnings)
    ordered = sorted(lint.errors, key=lambda e: -1 if e[0] is None else e[0])
    errors = [str(DockerfileSyntaxError(msg, line=line)) for line, msg in ordered]
    if as_error:
        errors += [str(DockerfileSyntaxError(f"{w.message} ({w.rule})", line=w.line)) for w in warnings]
    return CheckResult(instructions_json, warnings, errors, dockerfile, lint.expanded)


def _sorted(warnings: list[LintWarning]) -> list[LintWarning]:
    return sorted(warnings, key=lambda w: w.line)


# --- rules that need only the parse layer --------------------------------------------------------


def _lint_node(lint: _Linter, node: Node) -> None:
    if node.cmd == "maintainer":
        lint.warn("MaintainerDeprecated", node.start_line,
                  "Maintainer instruction is deprecated in favor of using label")
    if node.cmd != "from" or len(node.args) < 3:
        return
    name, as_word = node.args[2], node.args[1]
    if len(node.args) == 3 and name != name.lower():
        lint.warn("StageNameCasing", node.start_line, f"Stage name '{name}' should be lowercase")
    kw = node.keyword
    if kw == kw.lower() and as_word != as_word.lower() or kw == kw.upper() and kw != kw.lower() \
            and as_word != as_word.upper():
        lint.warn("FromAsCasing", node.start_line,
                  f"'{as_word}' and '{kw}' keywords' casing do not match")


def _lint_stage_names(lint: _Linter, df: Dockerfile) -> None:
    seen: set[str] = set()
    for st in df.stages:
        if st.name is None:
            continue
        if st.name in _RESERVED_STAGE_NAMES:
            lint.warn("ReservedStageName", st.from_.line,
                      f'Stage name should not use the same name as reserved stage "{st.name}"')
        if st.name in seen:
            msg = f'Duplicate stage name "{st.name}", stage names should be unique'
            lint.warn("DuplicateStageName", st.from_.line, msg)
            lint.error(st.from_.line, msg)
        seen.add(st.name)


def _lint_casing(lint: _Linter, df: Dockerfile) -> None:
    keywords: list[tuple[str, int]] = []
    for st in df.stages:
        keywords.append((st.from_.keyword, st.from_.line))
        keywords += [(ins.keyword, ins.line) for ins in st.instructions]
    consistent = [k for k, _ in keywords if k in (k.lower(), k.upper())]
    lower = sum(1 for k in consistent if k == k.lower())
    majority_lower = lower > len(consistent) - lower
    for kw, line in keywords:
        if majority_lower and kw != kw.lower():
            casing = "lowercase"
        elif not majority_lower and kw != kw.upper():
            casing = "uppercase"
        else:
            continue
        lint.warn("ConsistentInstructionCasing", line,
                  f"Command '{kw}' should match the case of the command majority ({casing})")


# --- the scope walk ------------------------------------------------------------------------------


def _walk(lint: _Linter, df: Dockerfile, build_args: dict[str, str], target: str | None,
          platform: str | None, base_env: Mapping[str, str]) -> None:
    names = [st.name for st in df.stages]
    if target is not None and target.lower() not in names:
        lint.error(None, with_suggestion(f'target stage "{target}" could not be found', target,
                                      [n for n in names if n], case_sensitive=True))
    try:
        scope = global_args(df, build_args, platform=platform, target=target)
        defaults = global_args(df, {}, platform=platform, target=target)
    except InvalidArgument as err:
        line = df.global_args[0].line if df.global_args else 1
        lint.error(line, err.message)
        return
    declared_meta = {d.key for a in df.global_args for d in a.args}
    _lint_global_args(lint, df)
    scopes: dict[str, _StageScope] = {}
    from_deps: dict[int, int] = {}
    stage_index: dict[str, int] = {}
    for st in df.stages:
        base = _lint_from(lint, st, scope, defaults, declared_meta)
        if base is None:
            continue
        if base in scopes:
            from_deps[st.index] = stage_index[base]
            parent = scopes[base]
            stage_scope = _StageScope(dict(parent.env), parent.shell_set)
        else:
            stage_scope = _StageScope({} if base == "scratch" else dict(base_env))
        _StageWalk(lint, st, stage_scope, scope, build_args).run()
        if st.name:
            scopes[st.name] = stage_scope
            stage_index[st.name] = st.index
    _check_stage_refs(lint, df, from_deps)


def _lint_global_args(lint: _Linter, df: Dockerfile) -> None:
    for arg in df.global_args:
        for d in arg.args:
            _secret(lint, "ARG", d.key, arg.line)


def _secret(lint: _Linter, what: str, key: str, line: int) -> None:
    if _SECRET.search(key) and not _SECRET_ALLOW.search(key):
        lint.warn("SecretsUsedInArgOrEnv", line,
                  f'Do not use ARG or ENV instructions for sensitive data ({what} "{key}")')


def _lint_from(lint: _Linter, st: Stage, scope: dict[str, str], defaults: dict[str, str],
               declared: set[str]) -> str | None:
    """Expand FROM's base and platform; return the expanded base (None on error)."""
    line = st.from_.line
    known = declared | set(scope)

    def undeclared(unmatched: frozenset[str]) -> None:
        for name in sorted(unmatched - known):
            hint = search(name, sorted(known), case_sensitive=True)
            msg = f"FROM argument '{name}' is not declared"
            lint.warn("UndefinedArgInFrom", line, msg + (f" (did you mean {hint}?)" if hint else ""))

    try:
        default_base = lint.expander.expand_word(st.base, defaults)
        if not is_reference_like(default_base):
            lint.warn("InvalidDefaultArgInFrom", line,
                      f"Default value for ARG {st.base} results in empty or invalid base image name")
    except InvalidArgument:
        pass
    try:
        res = lint.expander.expand_with_matches(st.base, scope)
    except InvalidArgument as err:
        lint.error(line, err.message)
        return None
    undeclared(res.unmatched)
    if res.result == "":
        lint.error(line, f"base name ({st.base}) should not be blank")
        return None
    platform = _lint_platform(lint, st, scope, undeclared) if st.platform is not None else None
    lint.expanded.append({"line": line, "keyword": "FROM", "stage": st.index, "base": res.result,
                          "platform": platform})
    return res.result


def _lint_platform(lint: _Linter, st: Stage, scope: dict[str, str],
                   undeclared: Callable[[frozenset[str]], None]) -> str | None:
    """Lint FROM --platform; return its expanded value."""
    assert st.platform is not None
    line = st.from_.line
    try:
        res = lint.expander.expand_with_matches(st.platform, scope)
    except InvalidArgument as err:
        lint.error(line, err.message)
        return None
    undeclared(res.unmatched)
    if res.matched == {"TARGETPLATFORM"} and not res.unmatched \
            and res.result == scope.get("TARGETPLATFORM"):
        lint.warn("RedundantTargetPlatform", line,
                  f"Setting platform to predefined {st.platform} in FROM is redundant as this is "
                  "the default behavior")
    if res.result == "":
        lint.error(line, f"empty platform value from expression {st.platform}")
        return None
    try:
        plat = Platform.parse(res.result)
    except InvalidArgument as err:
        if not res.matched and not res.unmatched:
            lint.error(line, f"failed to parse platform {st.platform}: {err.message}")
        return res.result
    name = st.name or ""
    if not (res.matched or res.unmatched or plat.os in name or plat.architecture in name):
        lint.warn("FromPlatformFlagConstDisallowed", line,
                  f'FROM --platform flag should not use constant value "{res.result}"')
    return res.result


class _StageWalk:
    """One stage's instructions, in order, with the variable scope BuildKit would have."""

    def __init__(self, lint: _Linter, stage: Stage, scope: _StageScope, global_scope: dict[str, str],
                 build_args: dict[str, str]) -> None:
        self.lint = lint
        self.stage = stage
        self.scope = scope
        self.global_scope = global_scope
        self.build_args = build_args
        self.declared: set[str] = set()
        self.workdir_set = False
        self.seen_once: dict[str, int] = {}

    def expand(self, ins: Instruction, word: str) -> str:
        res = self.lint.expander.expand_with_matches(word, self.scope.env)
        self._report(ins, res.unmatched)
        return res.result

    def _report(self, ins: Instruction, unmatched: frozenset[str]) -> None:
        for name in sorted(unmatched - self.declared - set(_NON_ENV_ARGS)):
            hint = search(name, sorted(self.scope.env), case_sensitive=True)
            msg = f"Usage of undefined variable '${name}'" + (f" (did you mean ${hint}?)" if hint else "")
            self.lint.warn("UndefinedVar", ins.line, msg)

    def run(self) -> None:
        for ins in self.stage.instructions:
            try:
                self.step(ins)
            except InvalidArgument as err:
                self.lint.error(ins.line, err.message)

    def once(self, ins: Instruction) -> None:
        if ins.NAME in self.seen_once:
            self.lint.warn("MultipleInstructionsDisallowed", self.seen_once[ins.NAME],
                           f"Multiple {ins.keyword} instructions should not be used in the same "
                           "stage because only the last one will be used")
        self.seen_once[ins.NAME] = ins.line

    def step(self, ins: Instruction) -> None:  # noqa: C901 - one branch per instruction
        env = self.scope.env
        out: dict[str, Any] = {}
        if isinstance(ins, Arg):
            values: dict[str, str | None] = {}
            for d in ins.args:
                _secret(self.lint, "ARG", d.key, ins.line)
                value: str | None = None
                if d.key in self.build_args:
                    value = self.build_args[d.key]
                elif d.default is not None:
                    value = self.expand(ins, d.default)
                elif d.key in self.global_scope:
                    value = self.global_scope[d.key]
                if value is not None and d.key not in _NON_ENV_ARGS:
                    env[d.key] = value
                self.declared.add(d.key)
                values[d.key] = value
            out["args"] = values
        elif isinstance(ins, Env | Label):
            for kv in ins.pairs:
                if kv.legacy:
                    self.lint.warn("LegacyKeyValueFormat", ins.line,
                                   f'"{ins.keyword} key=value" should be used instead of legacy '
                                   f'"{ins.keyword} key value" format')
            pairs = []
            for kv in ins.pairs:
                key, value = self.expand(ins, kv.key), self.expand(ins, kv.value)
                pairs.append([key, value])
                if isinstance(ins, Env):
                    _secret(self.lint, "ENV", key, ins.line)
                    env[key] = value
            out["pairs"] = pairs
        elif isinstance(ins, Workdir):
            out["path"] = path = self.expand(ins, ins.path)
            if not self.workdir_set and not path.startswith("/"):
                self.lint.warn("WorkdirRelativePath", ins.line,
                               f'Relative workdir "{path}" can have unexpected results if the base '
                               "image changes")
            self.workdir_set = True
        elif isinstance(ins, User):
            out["user"] = self.expand(ins, ins.user)
        elif isinstance(ins, StopSignal):
            out["signal"] = self.expand(ins, ins.signal)
        elif isinstance(ins, Volume):
            out["paths"] = [self.expand(ins, p) for p in ins.paths]
        elif isinstance(ins, Copy | Add):
            out = self._copy(ins)
        elif isinstance(ins, Run) and ins.mount_specs:
            run = ins
            out["mounts"] = [
                asdict(parse_mount(spec, lambda v: self.expand(run, v))) for spec in ins.mount_specs
            ]
        elif isinstance(ins, Expose):
            out["ports"] = [w for p in ins.ports for w in self.lint.expander.expand_words(p, env)]
        elif isinstance(ins, Cmd | Entrypoint):
            self.once(ins)
            if not ins.exec_form and not self.scope.shell_set:
                self.lint.warn("JSONArgsRecommended", ins.line,
                               f"JSON arguments recommended for {ins.keyword} to prevent unintended "
                               "behavior related to OS signals")
        elif isinstance(ins, Healthcheck):
            self.once(ins)
        elif isinstance(ins, Shell):
            self.scope.shell_set = True
        if out:
            self.lint.expanded.append({"line": ins.line, "keyword": ins.NAME,
                                       "stage": self.stage.index, **out})

    def _copy(self, ins: Copy | Add) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sources": [self.expand(ins, w) for w in ins.sources],
            "dest": self.expand(ins, ins.dest),
            "chown": self.expand(ins, ins.chown),
            "chmod": self.expand(ins, ins.chmod),
        }
        if isinstance(ins, Add):
            out["checksum"] = self.expand(ins, ins.checksum)
        contents = []
        for c in ins.contents:
            data = c.data
            if c.expand:
                res = self.lint.expander.expand_heredoc_with_matches(c.data, self.scope.env)
                self._report(ins, res.unmatched)
                data = res.result
            contents.append({"path": c.path, "data": data})
        if contents:
            out["contents"] = contents
        return out


def _check_stage_refs(lint: _Linter, df: Dockerfile, from_deps: dict[int, int]) -> None:
    """COPY --from / RUN --mount from=: variables, stage indexes, circular dependencies."""
    by_name: dict[str, int] = {}
    for st in df.stages:
        if st.name:
            by_name[st.name] = st.index
    deps: dict[int, dict[int, int]] = {st.index: {} for st in df.stages}
    for child, parent in from_deps.items():
        deps[child][parent] = df.stages[child].from_.line
    for st in df.stages:
        for ins in st.instructions:
            refs: list[str] = []
            if isinstance(ins, Copy) and ins.from_:
                if lint.expander.expand_word(ins.from_, {}) != ins.from_:
                    lint.error(ins.line, "variable expansion is not supported for --from, define a "
                               "new stage with FROM using ARG from global scope as a workaround")
                    continue
                refs.append(ins.from_)
            if isinstance(ins, Run):
                refs += [m.from_ for m in ins.mounts if m.from_]
            for ref in refs:
                if ref.isdigit() or ref.startswith("-") and ref[1:].isdigit():
                    if not 0 <= int(ref) < len(df.stages):
                        lint.error(ins.line, f"invalid stage index {int(ref)}")
                        continue
                    deps[st.index][int(ref)] = ins.line
                elif ref.lower() in by_name:
                    deps[st.index][by_name[ref.lower()]] = ins.line
    _find_cycle(lint, df, deps)


def _find_cycle(lint: _Linter, df: Dockerfile, deps: dict[int, dict[int, int]]) -> None:
    visited: set[int] = set()

    def visit(node: int, path: list[int]) -> list[int] | None:
        if node in path:
            return path
        if node in visited:
            return None
        visited.add(node)
        for dep in sorted(deps[node]):
            found = visit(dep, [*path, node])
            if found is not None:
                return found
        return None

    for st in df.stages:
        cycle = visit(st.index, [])
        if cycle is not None:
            first = cycle[0]
            name = df.stages[first].name or f"stage-{first}"
            line = min(deps[first].values())
            lint.error(line, f"circular dependency detected on stage: {name}")
            return
