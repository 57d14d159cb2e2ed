"""dockyard's command line: parse, call the engine, format.  Imports only what the verb needs."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..engine import Engine

VERSION = "0.1.0"

USAGE = """Usage:  dockyard [OPTIONS] COMMAND

A Docker-compatible container engine: no daemon, same verbs and flags.

Global options:
      --root string        Root of the dockyard store (default "/var/lib/dockyard", env DOCKYARD_ROOT)
      --log-level string   Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
  -v, --version            Print version information and quit
  -h, --help               Print usage

Commands:
"""


class Context:
    def __init__(self, root: str | None, log_level: str) -> None:
        self.root = root
        self.log_level = log_level
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from ..engine import Engine
            self._engine = Engine(self.root)
        return self._engine

    @property
    def store_root(self) -> str:
        """The store's absolute root (without opening anything)."""
        from ..store import default_root
        return os.path.abspath(self.root or default_root())

    def close(self) -> None:
        """Close the database cleanly (the last connection to close checkpoints the WAL)."""
        if self._engine is not None:
            self._engine.store.close()

    def out(self, text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")

    def err(self, text: str) -> None:
        sys.stderr.write(text if text.endswith("\n") else text + "\n")


def _usage() -> str:
    from .verbs import COMMANDS
    rows = [(c.name, c.help) for c in COMMANDS]
    width = max(len(n) for n, _ in rows)
    return USAGE + "".join(f"  {n.ljust(width)}   {h}\n" for n, h in rows) + \
        "\nRun 'dockyard COMMAND --help' for more information on a command.\n"


# Verbs after which the process leaves through os._exit once output is flushed and the database
# closed: interpreter finalisation (tearing down every imported module) costs several ms of each
# command, and these verbs leave nothing that needs it (no threads, temp files or atexit work).
FAST_EXIT = frozenset({
    "run", "create", "start", "exec", "ps", "stop", "kill", "rm", "restart", "pause", "unpause", "inspect",
    "images", "image ls", "image inspect", "container ls", "container inspect", "logs", "wait", "port",
    "top", "rename", "diff", "version",
})
_fast_exit = False


def run() -> None:
    """The launcher's entry point: ``main()``, then exit (fast for the verbs in FAST_EXIT)."""
    code = main()
    if _fast_exit:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass
        os._exit(code & 0xFF)
    sys.exit(code)


def _stdout_broken() -> bool:
    """Is our stdout a pipe whose reader went away (``dockyard ps | head -1``)?"""
    import select
    try:
        p = select.poll()
        p.register(1, 0)
        return any(ev & select.POLLERR for _, ev in p.poll(0))
    except (OSError, ValueError):
        return False


def _fail(message: str, code: int = 125) -> int:
    sys.stderr.write(f"dockyard: {message}\n")
    return code


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from .._trace import mark
    mark("cli: main")
    root = None
    log_level = "info"
    while argv and argv[0].startswith("-"):
        a = argv.pop(0)
        if a in ("-v", "--version"):
            print(f"dockyard version {VERSION}")
            return 0
        if a in ("-h", "--help"):
            sys.stdout.write(_usage())
            return 0
        name, eq, value = a.partition("=")
        if name in ("--root", "--log-level", "-l"):
            if not eq:
                if not argv:
                    return _fail(f"flag needs an argument: {name}")
                value = argv.pop(0)
            if name == "--root":
                root = value
            else:
                log_level = value
            continue
        return _fail(f"unknown flag: {a}\nSee 'dockyard --help'.".split("\n")[0] + " (see 'dockyard --help')")
    if not argv:
        sys.stdout.write(_usage())
        return 0
    from .verbs import GROUPS, lookup
    table = lookup()
    cmd = None
    if argv[0] in GROUPS and len(argv) > 1 and f"{argv[0]} {argv[1]}" in table:
        cmd = table[f"{argv[0]} {argv[1]}"]
        rest = argv[2:]
    elif argv[0] in table:
        cmd = table[argv[0]]
        rest = argv[1:]
    if cmd is None:
        if argv[0] in GROUPS:
            return _fail(f"'{argv[0]} {argv[1] if len(argv) > 1 else ''}' is not a dockyard command "
                         "(see 'dockyard --help')".replace("  ", " "))
        return _fail(f"'{argv[0]}' is not a dockyard command (see 'dockyard --help')")
    from ..errors import DockyardError
    from .flags import UsageError, help_text, parse
    try:
        parsed = parse(cmd, rest)
    except UsageError as e:
        return _fail(f"{e} (see 'dockyard {cmd.name} --help')")
    if parsed.opts["help"]:
        sys.stdout.write(help_text(cmd))
        return 0
    module, func = cmd.target.split(":")
    # __import__, not importlib.import_module: importing importlib costs start-up time
    handler: Any = getattr(__import__(f"dockyard.cli.commands.{module}", fromlist=[func]), func)
    ctx = Context(root, log_level)
    global _fast_exit
    _fast_exit = cmd.name in FAST_EXIT
    try:
        code = int(handler(ctx, parsed) or 0)
        ctx.close()
        mark("cli: done")
        return code
    except DockyardError as e:
        msg = str(e).replace("\n", " ")
        if e.hint:
            msg += f" (hint: {e.hint})"
        return _fail(msg, e.exit_code)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError as e:
        if not _stdout_broken():  # a pipe of dockyard's own (e.g. to a monitor that died): an error
            return _fail(f"{e.strerror or e}")
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return 0
    except PermissionError as e:
        return _fail(f"permission denied: {e.filename or e} (dockyard needs root)")
    except OSError as e:
        if log_level == "debug":
            raise
        return _fail(f"{e.strerror or e}{': ' + str(e.filename) if e.filename else ''}")


if __name__ == "__main__":  # python -m dockyard.cli.main: what the tests run, same exit as bin/dockyard
    run()
