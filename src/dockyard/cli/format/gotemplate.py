"""Go ``text/template`` as docker's ``--format`` flag uses it.

    >>> compile("{{.Name | upper}} {{json .Labels}}").render({"Name": "web", "Labels": {"a": "1"}})
    'WEB {"a":"1"}'

Supported: fields and map keys (``.State.Status``, ``.Config.Labels.foo``), variables (``$``,
``$x := ...``, ``$x = ...``, ``range $k, $v := ...``), pipelines, parenthesised pipelines with
field chains, ``if / else if / else``, ``with / else with``, ``range / else`` with ``break`` and
``continue``, ``define / template / block``, comments, ``{{-``/``-}}`` trimming, string, raw
string, char, number, bool and nil literals; Go's builtins (``and or not len index slice print
printf println html js urlquery call eq ne lt le gt ge``) and docker's (``json split join title
lower upper pad truncate``).

Data is JSON-like Python: dicts are Go maps (a missing key is "no value"), lists are slices,
other objects are structs (attribute lookup; a missing attribute is an error, as in Go). A
callable field is a method: ``{{.Label "com.x"}}`` calls ``row["Label"]("com.x")``.
Deliberate difference from Go: a field of ``None`` is "no value" instead of a nil-pointer error
(what docker prints after falling back to the raw JSON).

Errors are ``InvalidArgument`` with Go's text: ``template: :1: function "foo" not defined``,
``template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type string``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dockyard.cli.format._funcs import BUILTINS, HEADER_FUNCS, ArgError, CallError, Func, truth
from dockyard.cli.format._parse import (
    ActionNode,
    BranchNode,
    ChainNode,
    CommandNode,
    ConstNode,
    FieldNode,
    IdentifierNode,
    LoopControlNode,
    Node,
    PipeNode,
    TemplateNode,
    TextNode,
    Tree,
    VariableNode,
    parse,
)
from dockyard.cli.format.gofmt import MISSING, go_str, go_type_name
from dockyard.errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["BUILTINS", "HEADER_FUNCS", "Func", "Template", "compile", "truth"]

_NOFINAL: Any = object()  # "no value piped in", distinct from MISSING
_MAX_DEPTH = 1000


class _ExecError(Exception):
    def __init__(self, node: Node, msg: str) -> None:
        super().__init__(msg)
        self.node = node
        self.msg = msg


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _State:
    __slots__ = ("funcs", "tree", "vars", "out", "depth")

    def __init__(self, tree: Tree, funcs: Mapping[str, Func], data: Any) -> None:
        self.tree = tree
        self.funcs = funcs
        self.vars: list[tuple[str, Any]] = [("$", data)]
        self.out: list[str] = []
        self.depth = 0

    # variables ---------------------------------------------------------------------------------

    def var(self, node: Node, name: str) -> Any:
        for n, v in reversed(self.vars):
            if n == name:
                return v
        raise _ExecError(node, f"undefined variable: {name}")

    def set_var(self, node: Node, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        raise _ExecError(node, f"undefined variable: {name}")

    # structure ---------------------------------------------------------------------------------

    def walk(self, dot: Any, nodes: list[Node]) -> None:
        out = self.out
        for node in nodes:
            if isinstance(node, TextNode):
                out.append(node.text)
            elif isinstance(node, ActionNode):
                v = self.pipeline(dot, node.pipe)
                if not node.pipe.decl:
                    out.append(v if isinstance(v, str) else go_str(v))
            elif isinstance(node, BranchNode):
                self.branch(dot, node)
            elif isinstance(node, LoopControlNode):
                raise _Break() if node.kind == "break" else _Continue()
            elif isinstance(node, TemplateNode):
                self.template(dot, node)

    def branch(self, dot: Any, node: BranchNode) -> None:
        mark = len(self.vars)
        try:
            if node.kind == "range":
                self.range(dot, node)
                return
            val = self.pipeline(dot, node.pipe)
            if truth(val):
                self.walk(val if node.kind == "with" else dot, node.body)
            elif node.else_body is not None:
                self.walk(dot, node.else_body)
        finally:
            del self.vars[mark:]

    def range(self, dot: Any, node: BranchNode) -> None:
        val = self.pipeline(dot, node.pipe, declare=False)
        items: list[tuple[Any, Any]]
        if val is MISSING or val is None:
            items = []
        elif isinstance(val, Mapping):
            items = [(k, val[k]) for k in sorted(val, key=lambda k: (not isinstance(k, (int, float)), k))]
        elif isinstance(val, (list, tuple)):
            items = list(enumerate(val))
        elif isinstance(val, int) and not isinstance(val, bool):
            if len(node.pipe.decl) > 1:
                raise _ExecError(node.pipe, f"can't use {val} to iterate over more than one variable")
            items = [(i, i) for i in range(val)]
        else:
            raise _ExecError(node.pipe, f"range can't iterate over {go_str(val)}")
        if not items:
            if node.else_body is not None:
                self.walk(dot, node.else_body)
            return
        decl = node.pipe.decl
        mark = len(self.vars)
        for key, elem in items:
            if len(decl) == 1:
                self.vars.append((decl[0], elem))
            elif len(decl) == 2:
                self.vars.append((decl[0], key))
                self.vars.append((decl[1], elem))
            try:
                self.walk(elem, node.body)
            except _Continue:
                pass
            except _Break:
                break
            finally:
                del self.vars[mark:]

    def template(self, dot: Any, node: TemplateNode) -> None:
        body = self.tree.defines.get(node.name)
        if body is None:
            raise _ExecError(node, f'template "{node.name}" not defined')
        new_dot = None if node.pipe is None else self.pipeline(dot, node.pipe)
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _ExecError(node, f"exceeded maximum template depth ({_MAX_DEPTH})")
        saved = self.vars
        self.vars = [("$", new_dot)]
        try:
            self.walk(new_dot, body)
        finally:
            self.vars = saved
            self.depth -= 1

    # pipelines ---------------------------------------------------------------------------------

    def pipeline(self, dot: Any, pipe: PipeNode, declare: bool = True) -> Any:
        value: Any = _NOFINAL
        for cmd in pipe.cmds:
            value = self.command(dot, cmd, value)
        if declare and pipe.decl:
            if pipe.is_assign:
                self.set_var(pipe, pipe.decl[0], value)
            else:
                self.vars.append((pipe.decl[0], value))
        return value

    def command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            return self.field_chain(dot, dot, first, first.idents, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.function(dot, first, cmd, final)
        if isinstance(first, VariableNode):
            value = self.var(first, first.name)
            if not first.idents:
                self.not_a_function(cmd, final)
                return value
            return self.field_chain(dot, value, first, first.idents, cmd.args, final)
        if isinstance(first, ChainNode):
            if isinstance(first.node, FieldNode):
                raise _ExecError(first, "internal error: chained field")
            recv = self.arg(dot, first.node)
            return self.field_chain(dot, recv, first, first.idents, cmd.args, final)
        self.not_a_function(cmd, final)
        if isinstance(first, PipeNode):
            return self.pipeline(dot, first, declare=False)
        assert isinstance(first, ConstNode)
        if first.is_nil:
            raise _ExecError(first, "nil is not a command")
        return dot if first.is_dot else first.value

    @staticmethod
    def arg_error(cmd: CommandNode, err: ArgError) -> _ExecError:
        """Go's wording: a literal is "expected string; found 1", a value "wrong type for value"."""
        arg_nodes = cmd.args[1:]
        node: Node = arg_nodes[err.index] if err.index < len(arg_nodes) else cmd
        got = err.got
        if isinstance(node, ConstNode) and not node.is_dot and not node.is_nil:
            want = "integer" if err.expected == "int" else err.expected
            return _ExecError(node, f"expected {want}; found {node}")
        if got is None or got is MISSING:
            return _ExecError(node, f"invalid value; expected {err.expected}")
        return _ExecError(node, f"wrong type for value; expected {err.expected}; got {go_type_name(got)}")

    def not_a_function(self, cmd: CommandNode, final: Any) -> None:
        if len(cmd.args) > 1 or final is not _NOFINAL:
            raise _ExecError(cmd.args[0], f"can't give argument to non-function {cmd.args[0]}")

    def arg(self, dot: Any, node: Node) -> Any:
        if isinstance(node, ConstNode):
            if node.is_dot:
                return dot
            return node.value
        if isinstance(node, FieldNode):
            return self.field_chain(dot, dot, node, node.idents, [node], _NOFINAL)
        if isinstance(node, VariableNode):
            value = self.var(node, node.name)
            if node.idents:
                return self.field_chain(dot, value, node, node.idents, [node], _NOFINAL)
            return value
        if isinstance(node, PipeNode):
            return self.pipeline(dot, node, declare=False)
        if isinstance(node, IdentifierNode):
            return self.function(dot, node, CommandNode(node.pos, [node]), _NOFINAL)
        if isinstance(node, ChainNode):
            recv = self.arg(dot, node.node)
            return self.field_chain(dot, recv, node, node.idents, [node], _NOFINAL)
        raise _ExecError(node, f"can't handle {node} for arg")

    def field_chain(
        self, dot: Any, recv: Any, node: Node, idents: list[str], args: Sequence[Node], final: Any
    ) -> Any:
        for name in idents[:-1]:
            recv = self.field(dot, recv, name, node, (), _NOFINAL)
        return self.field(dot, recv, idents[-1], node, args, final)

    def field(self, dot: Any, recv: Any, name: str, node: Node, args: Sequence[Node], final: Any) -> Any:
        has_args = len(args) > 1 or final is not _NOFINAL
        if recv is MISSING or recv is None:
            return MISSING
        if isinstance(recv, Mapping):
            if name not in recv:
                if has_args:
                    raise _ExecError(node, f"{name} is not a method but has arguments")
                return MISSING
            value = recv[name]
        elif isinstance(recv, (str, int, float, bool, list, tuple, bytes)) or name.startswith("_"):
            raise _ExecError(node, f"can't evaluate field {name} in type {go_type_name(recv)}")
        else:
            try:
                value = getattr(recv, name)
            except AttributeError:
                raise _ExecError(node, f"can't evaluate field {name} in type {go_type_name(recv)}") from None
        if callable(value) and not isinstance(value, type):
            call_args = [self.arg(dot, a) for a in args[1:]]
            if final is not _NOFINAL:
                call_args.append(final)
            try:
                return value(*call_args)
            except TypeError as err:
                raise _ExecError(node, f"error calling {name}: {err}") from None
            except Exception as err:  # a method returning an error, as Go reports it
                raise _ExecError(node, f"error calling {name}: {err}") from None
        if has_args:
            raise _ExecError(node, f"{name} is not a method but has arguments")
        return value

    def function(self, dot: Any, ident: IdentifierNode, cmd: CommandNode, final: Any) -> Any:
        name = ident.name
        fn = self.funcs.get(name)
        if fn is None:
            raise _ExecError(ident, f'"{name}" is not a defined function')
        arg_nodes = cmd.args[1:]
        nargs = len(arg_nodes) + (final is not _NOFINAL)
        if nargs < fn.nmin or (fn.nmax is not None and nargs > fn.nmax):
            if fn.nmax is None:
                raise _ExecError(
                    ident, f"wrong number of args for {name}: want at least {fn.nmin} got {nargs}"
                )
            raise _ExecError(ident, f"wrong number of args for {name}: want {fn.nmax} got {nargs}")
        if name in ("and", "or") and fn is BUILTINS[name]:
            want = name == "or"
            value: Any = MISSING
            for a in arg_nodes:
                value = self.arg(dot, a)
                if truth(value) == want:
                    return value
            if final is not _NOFINAL:
                value = final
            return value
        values = [self.arg(dot, a) for a in arg_nodes]
        if final is not _NOFINAL:
            values.append(final)
        try:
            return fn.impl(*values)
        except ArgError as err:
            raise self.arg_error(cmd, err) from None
        except CallError as err:
            raise _ExecError(cmd, f"error calling {name}: {err}") from None


@dataclass(frozen=True)
class Template:
    """A compiled template; ``render`` may be called any number of times (one call per row)."""

    text: str
    tree: Tree
    funcs: Mapping[str, Func]

    def render(
        self, data: Any, *, funcs: Mapping[str, Func] | None = None, keep_partial: bool = False
    ) -> str:
        """Execute with ``data`` as dot and ``$``; ``funcs`` overrides functions by name.

        ``keep_partial=True`` returns what was written before an execution error instead of raising
        (docker renders table headers that way and ignores the error).
        """
        table = self.funcs if not funcs else {**self.funcs, **funcs}
        state = _State(self.tree, table, data)
        try:
            state.walk(data, self.tree.root)
        except _ExecError as err:
            if keep_partial:
                return "".join(state.out)
            raise InvalidArgument(self._exec_message(err)) from None
        except RecursionError:
            raise InvalidArgument("template: exceeded maximum nesting depth") from None
        return "".join(state.out)

    def _exec_message(self, err: _ExecError) -> str:
        pos = err.node.pos
        nl = self.text.rfind("\n", 0, pos)
        col = pos if nl < 0 else pos - nl - 1
        line = 1 + self.text.count("\n", 0, pos)
        return f'template: :{line}:{col}: executing "" at <{err.node}>: {err.msg}'


def compile(text: str, *, funcs: Mapping[str, Func] | None = None) -> Template:  # noqa: A001
    """Parse ``text``; raises InvalidArgument (``template: :LINE: ...``) if it is malformed.

    ``funcs`` adds functions (on top of Go's and docker's) that the template may call.
    """
    table = BUILTINS if not funcs else {**BUILTINS, **funcs}
    try:
        tree = parse(text, table)
    except RecursionError:
        raise InvalidArgument("template: :1: expression nested too deeply") from None
    return Template(text, tree, table)
