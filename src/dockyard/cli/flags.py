"""Docker-style (pflag) argument parsing: ``-d``, ``-it``, ``-e K=V``, ``--name=x``, ``--name x``,
repeated list flags, and -- for run/exec -- flags stop at the first positional (the image), so the
container's own arguments pass through untouched.  Lean on purpose: no argparse at start-up."""

from __future__ import annotations

from ..errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class UsageError(InvalidArgument):
    """Bad command line: docker exits 125 with the message and a pointer to --help."""


# Plain classes rather than dataclasses: this module loads on every command, and the dataclasses
# machinery (plus inspect) costs more start-up time than the whole parse.
class Flag:
    __slots__ = ("long", "short", "kind", "default", "help", "metavar", "hidden", "dest")

    def __init__(self, long: str, short: str | None = None, kind: str = "bool", default: Any = None,
                 help: str = "", metavar: str = "", hidden: bool = False) -> None:
        self.long = long
        self.short = short
        self.kind = kind            # bool | str | list | int | float
        self.default = default
        self.help = help
        self.metavar = metavar
        self.hidden = hidden
        self.dest = long.replace("-", "_")


class Command:
    __slots__ = ("name", "usage", "help", "target", "flags", "interspersed", "min_args", "max_args", "aliases")

    def __init__(self, name: str, usage: str, help: str, target: str, flags: tuple[Flag, ...] = (),
                 interspersed: bool = True, min_args: int = 0, max_args: int | None = None,
                 aliases: tuple[str, ...] = ()) -> None:
        self.name = name              # "run", "image ls"
        self.usage = usage            # "[OPTIONS] IMAGE [COMMAND] [ARG...]"
        self.help = help
        self.target = target          # "module:function" under dockyard.cli.commands
        self.flags = flags
        self.interspersed = interspersed
        self.min_args = min_args
        self.max_args = max_args
        self.aliases = aliases


class Parsed:
    __slots__ = ("opts", "args")

    def __init__(self, opts: dict[str, Any], args: list[str]) -> None:
        self.opts = opts
        self.args = args

    def __getattr__(self, name: str) -> Any:
        try:
            return self.opts[name]
        except KeyError:
            raise AttributeError(name) from None


HELP = Flag("help", None, "bool", False, "Print usage")


def _coerce(flag: Flag, value: str, cmd: str) -> Any:
    if flag.kind == "int":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f'invalid argument "{value}" for "--{flag.long}" flag: strconv.ParseInt: '
                             f'parsing "{value}": invalid syntax') from None
    if flag.kind == "float":
        try:
            return float(value)
        except ValueError:
            raise UsageError(f'invalid argument "{value}" for "--{flag.long}" flag: '
                             f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None
    return value


def _parse_bool(value: str, flag: Flag) -> bool:
    v = value.lower()
    if v in ("1", "t", "true"):
        return True
    if v in ("0", "f", "false"):
        return False
    raise UsageError(f'invalid argument "{value}" for "--{flag.long}" flag: strconv.ParseBool: '
                     f'parsing "{value}": invalid syntax')


def parse(cmd: Command, argv: list[str]) -> Parsed:
    flags = cmd.flags + (HELP,)
    by_long = {f.long: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    opts: dict[str, Any] = {}
    for f in flags:
        opts[f.dest] = [] if f.kind == "list" else f.default if f.default is not None else (
            False if f.kind == "bool" else None)
    args: list[str] = []
    i = 0

    def set_value(f: Flag, value: str) -> None:
        if f.kind == "list":
            opts[f.dest].append(value)
        elif f.kind == "bool":
            opts[f.dest] = _parse_bool(value, f)
        else:
            opts[f.dest] = _coerce(f, value, cmd.name)

    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            args.extend(argv[i:])
            break
        if a.startswith("--") and len(a) > 2:
            name, eq, value = a[2:].partition("=")
            f = by_long.get(name)  # type: ignore[assignment]
            if f is None:
                raise UsageError(f"unknown flag: --{name}")
            if f.kind == "bool":
                opts[f.dest] = _parse_bool(value, f) if eq else True
            elif eq:
                set_value(f, value)
            else:
                if i >= len(argv):
                    raise UsageError(f"flag needs an argument: --{name}")
                set_value(f, argv[i])
                i += 1
            continue
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                ch = a[j]
                f = by_short.get(ch)  # type: ignore[assignment]
                if f is None:
                    raise UsageError(f"unknown shorthand flag: '{ch}' in {a}")
                if f.kind == "bool":
                    if j + 1 < len(a) and a[j + 1] == "=":
                        opts[f.dest] = _parse_bool(a[j + 2:], f)
                        break
                    opts[f.dest] = True
                    j += 1
                    continue
                rest = a[j + 1:]
                if rest.startswith("="):
                    rest = rest[1:]
                if rest:
                    set_value(f, rest)
                else:
                    if i >= len(argv):
                        raise UsageError(f"flag needs an argument: '{ch}' in -{ch}")
                    set_value(f, argv[i])
                    i += 1
                break
            continue
        args.append(a)
        if not cmd.interspersed:
            args.extend(argv[i:])
            break
    if opts["help"]:
        return Parsed(opts, args)
    if len(args) < cmd.min_args or (cmd.max_args is not None and len(args) > cmd.max_args):
        if cmd.max_args == 0:
            raise UsageError(f'"dockyard {cmd.name}" accepts no arguments.')
        if cmd.min_args == cmd.max_args:
            n = cmd.min_args
            raise UsageError(f'"dockyard {cmd.name}" requires exactly {n} argument{"s" if n != 1 else ""}.')
        if len(args) < cmd.min_args:
            n = cmd.min_args
            raise UsageError(f'"dockyard {cmd.name}" requires at least {n} argument{"s" if n != 1 else ""}.')
        raise UsageError(f'"dockyard {cmd.name}" requires at most {cmd.max_args} arguments.')
    return Parsed(opts, args)


def help_text(cmd: Command) -> str:
    lines = [f"Usage:  dockyard {cmd.name} {cmd.usage}".rstrip(), "", cmd.help, ""]
    if cmd.aliases:
        lines += ["Aliases:", "  " + ", ".join(f"dockyard {a}" for a in (cmd.name,) + cmd.aliases), ""]
    shown = [f for f in cmd.flags if not f.hidden] + [HELP]
    if shown:
        lines.append("Options:")
        rows = []
        for f in shown:
            left = (f"-{f.short}, " if f.short else "    ") + f"--{f.long}"
            if f.kind != "bool":
                left += " " + (f.metavar or {"list": "list", "int": "int", "float": "decimal"}.get(f.kind, "string"))
            rows.append((left, f.help + (f' (default {f.default!r})'.replace("'", '"')
                                         if f.kind in ("str", "int") and f.default not in (None, "", 0) else "")))
        width = max(len(r[0]) for r in rows)
        lines += [f"  {left.ljust(width)}   {h}".rstrip() for left, h in rows]
    return "\n".join(lines) + "\n"
