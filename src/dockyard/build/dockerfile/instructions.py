"""Typed, immutable Dockerfile instructions and stages (BuildKit's ``instructions`` package).

``parse_dockerfile(text)`` parses, checks every instruction's arguments and flags, and groups
the instructions into stages.  Nothing is expanded: fields hold the words as written (ENV/LABEL
values and ARG defaults still carry their quotes; :class:`~.shell.Expander` removes them).

Which fields the executor expands, with ``Expander.expand_word`` and the stage's current env
(base image ENV + the stage's ARGs and ENVs so far), is listed in :data:`EXPANSION`, exactly as
BuildKit does.  Everything not listed (RUN/CMD/ENTRYPOINT/HEALTHCHECK/SHELL command lines, COPY
``--from``, ``--exclude`` patterns, MAINTAINER, ONBUILD triggers) is used verbatim; the shell in
the container does its own expansion of RUN/CMD/ENTRYPOINT shell forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar

from dockyard.errors import DockerfileSyntaxError, InvalidArgument

from ._flags import FlagKind, FlagValue, Mount, MountFromVariable, parse_duration, parse_flags, parse_mount
from ._suggest import with_suggestion
from .parser import Directives, Heredoc, Node, parse, parse_heredoc_word

__all__ = [
    "EXPANSION",
    "Add",
    "Arg",
    "ArgDef",
    "Cmd",
    "Copy",
    "Dockerfile",
    "Entrypoint",
    "Env",
    "Expose",
    "From",
    "Healthcheck",
    "Instruction",
    "KeyValue",
    "Label",
    "Maintainer",
    "Mount",
    "Onbuild",
    "Run",
    "Shell",
    "SourceContent",
    "Stage",
    "StopSignal",
    "User",
    "Volume",
    "Workdir",
    "parse_dockerfile",
    "parse_instruction",
    "parse_mount",
]

#: instruction -> the fields the executor must expand (``expand_word`` unless noted).
EXPANSION: dict[str, str] = {
    "FROM": "base and platform, with the global ARGs only (ARGs before the first FROM)",
    "ENV": "every pair's key and value",
    "LABEL": "every pair's key and value",
    "ARG": "each default value (when no --build-arg overrides it); keys are not expanded",
    "ADD": "sources, dest, chown, chmod, checksum; heredoc contents with expand=True via "
    "Expander.expand_heredoc",
    "COPY": "sources, dest, chown, chmod; heredoc contents with expand=True via "
    "Expander.expand_heredoc (never --from)",
    "WORKDIR": "path",
    "USER": "user",
    "VOLUME": "each path",
    "STOPSIGNAL": "signal",
    "EXPOSE": "each port with Expander.expand_words (one word may become several)",
    "RUN": "each --mount value (re-parse mount_specs with parse_mount(spec, expand)); "
    "--network/--security and the command are not expanded",
}


@dataclass(frozen=True)
class Instruction:
    """Fields common to all instructions: where it is and how it was spelled."""

    NAME: ClassVar[str] = ""
    line: int
    end_line: int
    keyword: str
    original: str

    @property
    def name(self) -> str:
        return self.NAME


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str
    #: the legacy whitespace form ``ENV key value`` (lint: LegacyKeyValueFormat)
    legacy: bool = False


@dataclass(frozen=True)
class ArgDef:
    key: str
    default: str | None = None


@dataclass(frozen=True)
class SourceContent:
    """An inline source of COPY/ADD from a heredoc: written to a file named ``path``."""

    path: str
    data: str
    expand: bool


@dataclass(frozen=True)
class From(Instruction):
    NAME: ClassVar[str] = "FROM"
    base: str
    alias: str | None = None
    platform: str | None = None


@dataclass(frozen=True)
class Run(Instruction):
    NAME: ClassVar[str] = "RUN"
    command: tuple[str, ...]
    exec_form: bool = False
    heredocs: tuple[Heredoc, ...] = ()
    mounts: tuple[Mount, ...] = ()
    mount_specs: tuple[str, ...] = ()
    network: str = "default"
    security: str = "sandbox"
    devices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cmd(Instruction):
    NAME: ClassVar[str] = "CMD"
    command: tuple[str, ...]
    exec_form: bool = False


@dataclass(frozen=True)
class Entrypoint(Instruction):
    NAME: ClassVar[str] = "ENTRYPOINT"
    command: tuple[str, ...]
    exec_form: bool = False


@dataclass(frozen=True)
class Label(Instruction):
    NAME: ClassVar[str] = "LABEL"
    pairs: tuple[KeyValue, ...]


@dataclass(frozen=True)
class Env(Instruction):
    NAME: ClassVar[str] = "ENV"
    pairs: tuple[KeyValue, ...]


@dataclass(frozen=True)
class Expose(Instruction):
    NAME: ClassVar[str] = "EXPOSE"
    ports: tuple[str, ...]


@dataclass(frozen=True)
class Add(Instruction):
    NAME: ClassVar[str] = "ADD"
    sources: tuple[str, ...]
    dest: str
    contents: tuple[SourceContent, ...] = ()
    exec_form: bool = False
    chown: str = ""
    chmod: str = ""
    checksum: str = ""
    link: bool = False
    keep_git_dir: bool | None = None
    unpack: bool | None = None
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Copy(Instruction):
    NAME: ClassVar[str] = "COPY"
    sources: tuple[str, ...]
    dest: str
    contents: tuple[SourceContent, ...] = ()
    exec_form: bool = False
    from_: str = ""
    chown: str = ""
    chmod: str = ""
    link: bool = False
    parents: bool = False
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Volume(Instruction):
    NAME: ClassVar[str] = "VOLUME"
    paths: tuple[str, ...]


@dataclass(frozen=True)
class User(Instruction):
    NAME: ClassVar[str] = "USER"
    user: str


@dataclass(frozen=True)
class Workdir(Instruction):
    NAME: ClassVar[str] = "WORKDIR"
    path: str


@dataclass(frozen=True)
class Arg(Instruction):
    NAME: ClassVar[str] = "ARG"
    args: tuple[ArgDef, ...]


@dataclass(frozen=True)
class Onbuild(Instruction):
    NAME: ClassVar[str] = "ONBUILD"
    trigger: Instruction
    #: the trigger's source text (with heredocs), what goes into the image config's OnBuild
    expression: str


@dataclass(frozen=True)
class StopSignal(Instruction):
    NAME: ClassVar[str] = "STOPSIGNAL"
    signal: str


@dataclass(frozen=True)
class Healthcheck(Instruction):
    """``test`` is ``("NONE",)``, ``("CMD", *argv)`` or ``("CMD-SHELL", cmd)``; times in ns."""

    NAME: ClassVar[str] = "HEALTHCHECK"
    test: tuple[str, ...]
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0


@dataclass(frozen=True)
class Shell(Instruction):
    NAME: ClassVar[str] = "SHELL"
    shell: tuple[str, ...]


@dataclass(frozen=True)
class Maintainer(Instruction):
    NAME: ClassVar[str] = "MAINTAINER"
    maintainer: str


@dataclass(frozen=True)
class Stage:
    """A build stage: its FROM and the instructions after it.  ``name`` is the lower-cased alias."""

    index: int
    from_: From
    instructions: tuple[Instruction, ...]

    @property
    def base(self) -> str:
        return self.from_.base

    @property
    def name(self) -> str | None:
        return self.from_.alias

    @property
    def platform(self) -> str | None:
        return self.from_.platform


@dataclass(frozen=True)
class Dockerfile:
    stages: tuple[Stage, ...]
    #: ARG instructions before the first FROM (their defaults are unexpanded)
    global_args: tuple[Arg, ...]
    directives: Directives
    escape: str = "\\"
    #: (line, text) of instructions that had empty continuation lines (lint)
    empty_continuation_lines: tuple[tuple[int, str], ...] = ()

    def stage(self, name: str) -> Stage:
        """The stage called ``name`` (case-insensitive) or with that index."""
        for st in self.stages:
            if st.name is not None and st.name == name.lower():
                return st
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        raise InvalidArgument(f'target stage "{name}" could not be found')


# --- per-instruction parsers -------------------------------------------------------------------

INSTRUCTION_NAMES = ("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
                     "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
                     "WORKDIR")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-_.]*$")


def _flags(node: Node, spec: dict[str, FlagKind]) -> dict[str, FlagValue]:
    return parse_flags(node.flags, spec)


def _common(node: Node) -> tuple[int, int, str, str]:
    """The positional fields of :class:`Instruction`: line, end_line, keyword, original."""
    return node.start_line, node.end_line, node.keyword, node.original


def _one(node: Node, name: str) -> str:
    if len(node.args) != 1:
        raise InvalidArgument(f"{name} requires exactly one argument")
    return node.args[0]


def _at_least_one(node: Node, name: str) -> None:
    if not node.args:
        raise InvalidArgument(f"{name} requires at least one argument")


def _kvs(node: Node, name: str) -> tuple[KeyValue, ...]:
    _at_least_one(node, name)
    pairs = []
    for i in range(0, len(node.args), 2):
        if node.args[i] == "":
            raise InvalidArgument(f"{name} names can not be blank")
        pairs.append(KeyValue(node.args[i], node.args[i + 1], legacy=node.legacy_kv))
    return tuple(pairs)


def _need_dest(node: Node, name: str) -> None:
    if len(node.args) < 2:
        raise InvalidArgument(
            f"{name} requires at least two arguments, but only one was provided. "
            "Destination could not be determined"
        )


def _sources_and_dest(node: Node, name: str) -> tuple[tuple[str, ...], str, tuple[SourceContent, ...]]:
    *srcs, dest = node.args
    if parse_heredoc_word(dest) is not None:
        raise InvalidArgument(f"{name} cannot accept a heredoc as a destination")
    by_name = {h.name: h for h in node.heredocs}
    paths: list[str] = []
    contents: list[SourceContent] = []
    for src in srcs:
        doc = parse_heredoc_word(src) if not node.json else None
        if doc is None:
            paths.append(src)
            continue
        found = by_name.get(doc.name)
        data = found.content if found else ""
        if doc.chomp:
            data = Heredoc(doc.name, data, chomp=True).chomped()
        contents.append(SourceContent(path=doc.name, data=data, expand=doc.expand))
    return tuple(paths), dest, tuple(contents)


def _command_line(node: Node, args: tuple[str, ...]) -> tuple[str, ...]:
    """BuildKit ``handleJSONArgs``: exec form keeps the list, shell form is one string."""
    if node.json:
        return args
    return (" ".join(args),) if args else ()


def _from(node: Node) -> From:
    args = node.args
    alias: str | None = None
    if len(args) == 3 and args[1].lower() == "as":
        alias = args[2].lower()
        if not _STAGE_NAME.match(alias):
            raise InvalidArgument(
                f'invalid name for build stage: "{args[2]}", name can\'t start with a number or '
                "contain symbols"
            )
    elif len(args) != 1:
        raise InvalidArgument("FROM requires either one or three arguments")
    flags = _flags(node, {"platform": "string"})
    platform = flags.get("platform")
    return From(*_common(node), base=args[0], alias=alias,
                platform=str(platform) if platform is not None else None)


def _run(node: Node) -> Run:
    flags = _flags(node, {"mount": "strings", "network": "string", "security": "string",
                          "device": "strings"})
    specs = flags.get("mount", ())
    assert isinstance(specs, tuple)
    mounts = []
    for spec in specs:
        try:
            mounts.append(parse_mount(spec))
        except MountFromVariable:
            raise
        except InvalidArgument:
            if "$" not in spec:  # may become valid once expanded; re-parsed by the executor
                raise
    network = str(flags.get("network", "default"))
    if network not in ("default", "none", "host"):
        raise InvalidArgument(f'invalid network mode "{network}"')
    security = str(flags.get("security", "sandbox"))
    if security not in ("sandbox", "insecure"):
        raise InvalidArgument(f'security "{security}" is not valid')
    devices = flags.get("device", ())
    assert isinstance(devices, tuple)
    return Run(*_common(node), command=_command_line(node, node.args),
               exec_form=node.json, heredocs=node.heredocs, mounts=tuple(mounts),
               mount_specs=specs, network=network, security=security, devices=devices)


def _add(node: Node) -> Add:
    _need_dest(node, "ADD")
    flags = _flags(node, {"chown": "string", "chmod": "string", "link": "bool",
                          "keep-git-dir": "bool", "checksum": "string", "unpack": "bool",
                          "exclude": "strings"})
    srcs, dest, contents = _sources_and_dest(node, "ADD")
    kg, up = flags.get("keep-git-dir"), flags.get("unpack")
    return Add(*_common(node), sources=srcs, dest=dest, contents=contents,
               exec_form=node.json, chown=str(flags.get("chown", "")),
               chmod=str(flags.get("chmod", "")), checksum=str(flags.get("checksum", "")),
               link=bool(flags.get("link", False)),
               keep_git_dir=bool(kg) if kg is not None else None,
               unpack=bool(up) if up is not None else None,
               excludes=_strings(flags.get("exclude", ())))


def _copy(node: Node) -> Copy:
    _need_dest(node, "COPY")
    flags = _flags(node, {"chown": "string", "from": "string", "chmod": "string", "link": "bool",
                          "exclude": "strings", "parents": "bool"})
    srcs, dest, contents = _sources_and_dest(node, "COPY")
    return Copy(*_common(node), sources=srcs, dest=dest, contents=contents,
                exec_form=node.json, from_=str(flags.get("from", "")),
                chown=str(flags.get("chown", "")), chmod=str(flags.get("chmod", "")),
                link=bool(flags.get("link", False)), parents=bool(flags.get("parents", False)),
                excludes=_strings(flags.get("exclude", ())))


def _strings(v: FlagValue) -> tuple[str, ...]:
    assert isinstance(v, tuple)
    return v


def _healthcheck(node: Node) -> Healthcheck:
    _at_least_one(node, "HEALTHCHECK")
    typ = node.args[0].upper()
    rest = node.args[1:]
    if typ == "NONE":
        if rest:
            raise InvalidArgument("HEALTHCHECK NONE takes no arguments")
        _flags(node, {})
        return Healthcheck(*_common(node), test=("NONE",))
    flags = _flags(node, {"interval": "string", "timeout": "string", "start-period": "string",
                          "start-interval": "string", "retries": "string"})
    if typ != "CMD":
        raise InvalidArgument(f'Unknown type "{typ}" in HEALTHCHECK (try CMD)')
    cmd = _command_line(node, rest)
    if not cmd:
        raise InvalidArgument("Missing command after HEALTHCHECK CMD")
    test = ("CMD", *cmd) if node.json else ("CMD-SHELL", *cmd)
    times: dict[str, int] = {}
    for flag in ("interval", "timeout", "start-period", "start-interval"):
        value = str(flags.get(flag, ""))
        ns = parse_duration(value) if value else 0
        if 0 < ns < 1_000_000:
            raise InvalidArgument(f'Interval "{flag}" cannot be less than 1ms')
        times[flag.replace("-", "_")] = ns
    retries = 0
    if "retries" in flags:
        raw = str(flags["retries"])
        try:
            retries = int(raw, 10)
        except ValueError:
            raise InvalidArgument(f'strconv.ParseInt: parsing "{raw}": invalid syntax') from None
        if retries < 0:
            raise InvalidArgument(f"--retries cannot be negative ({retries})")
    return Healthcheck(*_common(node), test=test, retries=retries, interval=times["interval"],
                       timeout=times["timeout"], start_period=times["start_period"],
                       start_interval=times["start_interval"])


def _onbuild(node: Node) -> Onbuild:
    _at_least_one(node, "ONBUILD")
    _flags(node, {})
    trigger = node.args[0].strip().upper()
    if trigger == "ONBUILD":
        raise InvalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if trigger in ("MAINTAINER", "FROM"):
        raise InvalidArgument(f"{trigger} isn't allowed as an ONBUILD trigger")
    assert node.sub is not None
    expression = re.sub(r"(?i)^\s*ONBUILD\s*", "", node.original)
    for doc in node.heredocs:
        expression += "\n" + doc.content + doc.name
    sub = replace(node.sub, start_line=node.start_line, end_line=node.end_line,
                  heredocs=node.heredocs)
    return Onbuild(*_common(node), trigger=parse_instruction(sub),
                   expression=expression)


def _arg(node: Node) -> Arg:
    _at_least_one(node, "ARG")
    defs = []
    for word in node.args:
        if "=" in word:
            key, _, value = word.partition("=")
            if not key:
                raise InvalidArgument("ARG names can not be blank")
            defs.append(ArgDef(key, value))
        else:
            defs.append(ArgDef(word))
    return Arg(*_common(node), args=tuple(defs))


def _shell(node: Node) -> Shell:
    _flags(node, {})
    if not node.args:
        raise InvalidArgument("SHELL requires at least one argument")
    if not node.json:
        raise InvalidArgument("SHELL requires the arguments to be in JSON form")
    return Shell(*_common(node), shell=node.args)


def _volume(node: Node) -> Volume:
    _at_least_one(node, "VOLUME")
    _flags(node, {})
    paths = []
    for v in node.args:
        v = v.strip()
        if not v:
            raise InvalidArgument("VOLUME specified can not be an empty string")
        paths.append(v)
    return Volume(*_common(node), paths=tuple(paths))


def parse_instruction(node: Node) -> Instruction:
    """One parse-layer node -> its typed instruction; raises DockerfileSyntaxError (with line)."""
    try:
        return _dispatch(node)
    except DockerfileSyntaxError:
        raise
    except InvalidArgument as err:
        raise DockerfileSyntaxError(err.message, line=node.start_line) from None


def _dispatch(node: Node) -> Instruction:  # noqa: C901 - a flat dispatch table
    cmd = node.cmd
    c = _common(node)
    if cmd == "from":
        return _from(node)
    if cmd == "run":
        return _run(node)
    if cmd == "copy":
        return _copy(node)
    if cmd == "add":
        return _add(node)
    if cmd == "healthcheck":
        return _healthcheck(node)
    if cmd == "onbuild":
        return _onbuild(node)
    if cmd == "arg":
        return _arg(node)
    if cmd == "shell":
        return _shell(node)
    if cmd == "volume":
        return _volume(node)
    if cmd in ("cmd", "entrypoint"):
        _flags(node, {})
        cls = Cmd if cmd == "cmd" else Entrypoint
        return cls(*c, command=_command_line(node, node.args), exec_form=node.json)
    if cmd == "env":
        _flags(node, {})
        return Env(*c, pairs=_kvs(node, "ENV"))
    if cmd == "label":
        _flags(node, {})
        return Label(*c, pairs=_kvs(node, "LABEL"))
    if cmd == "expose":
        _at_least_one(node, "EXPOSE")
        _flags(node, {})
        return Expose(*c, ports=tuple(sorted(node.args)))
    if cmd == "maintainer":
        value = _one(node, "MAINTAINER")
        _flags(node, {})
        return Maintainer(*c, maintainer=value)
    if cmd == "workdir":
        value = _one(node, "WORKDIR")
        _flags(node, {})
        return Workdir(*c, path=value)
    if cmd == "user":
        value = _one(node, "USER")
        _flags(node, {})
        return User(*c, user=value)
    if cmd == "stopsignal":
        return StopSignal(*c, signal=_one(node, "STOPSIGNAL"))
    raise InvalidArgument(
        with_suggestion(f"unknown instruction: {node.keyword}", node.keyword, INSTRUCTION_NAMES,
                        case_sensitive=False)
    )


def build_dockerfile(nodes: tuple[Node, ...], directives: Directives,
                     empties: tuple[tuple[int, str], ...] = ()) -> Dockerfile:
    """Group typed instructions into stages (ARGs before the first FROM are global)."""
    global_args: list[Arg] = []
    stages: list[Stage] = []
    current: From | None = None
    body: list[Instruction] = []
    for node in nodes:
        ins = parse_instruction(node)
        if isinstance(ins, From):
            if current is not None:
                stages.append(Stage(len(stages), current, tuple(body)))
            current, body = ins, []
        elif current is None:
            if isinstance(ins, Arg):
                global_args.append(ins)
            else:
                raise DockerfileSyntaxError("no build stage in current context", line=node.start_line)
        else:
            body.append(ins)
    if current is None:
        line = nodes[-1].end_line if nodes else None
        raise DockerfileSyntaxError("dockerfile contains no stages to build", line=line)
    stages.append(Stage(len(stages), current, tuple(body)))
    return Dockerfile(tuple(stages), tuple(global_args), directives, directives.escape, empties)


EMPTY_DOCKERFILE = "the Dockerfile cannot be empty"


def parse_dockerfile(text: str) -> Dockerfile:
    """Parse and validate a whole Dockerfile; raises DockerfileSyntaxError("Dockerfile:LINE: ...")."""
    if not text:
        raise DockerfileSyntaxError(EMPTY_DOCKERFILE)
    result = parse(text)
    return build_dockerfile(result.nodes, result.directives, result.empty_continuation_lines)
