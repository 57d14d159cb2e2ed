"""Parser for Go ``text/template``: lexer items -> a tree of nodes (the shapes of Go's parse package)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dockyard.cli.format._lex import Action, Item, Text, Token, lex, parse_error
from dockyard.cli.format.gofmt import go_quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any

# --- argument nodes ----------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    pos: int


@dataclass(slots=True)
class FieldNode(Node):
    idents: list[str]

    def __str__(self) -> str:
        return "." + ".".join(self.idents)


@dataclass(slots=True)
class VariableNode(Node):
    name: str
    idents: list[str]

    def __str__(self) -> str:
        return ".".join([self.name, *self.idents])


@dataclass(slots=True)
class ChainNode(Node):
    node: Node
    idents: list[str]

    def __str__(self) -> str:
        inner = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return inner + "".join("." + i for i in self.idents)


@dataclass(slots=True)
class IdentifierNode(Node):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class ConstNode(Node):
    """A literal: string, number, bool, nil (value None) or dot (is_dot)."""

    value: Any
    text: str
    is_dot: bool = False
    is_nil: bool = False

    def __str__(self) -> str:
        if isinstance(self.value, str) and not self.is_dot:
            return go_quote(self.value)
        return self.text


@dataclass(slots=True)
class CommandNode(Node):
    args: list[Node]

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


@dataclass(slots=True)
class PipeNode(Node):
    decl: list[str]
    is_assign: bool
    cmds: list[CommandNode]

    def __str__(self) -> str:
        head = ""
        if self.decl:
            head = ", ".join(self.decl) + (" = " if self.is_assign else " := ")
        return head + " | ".join(str(c) for c in self.cmds)


# --- structure nodes ---------------------------------------------------------------------------


@dataclass(slots=True)
class TextNode(Node):
    text: str


@dataclass(slots=True)
class ActionNode(Node):
    pipe: PipeNode


@dataclass(slots=True)
class BranchNode(Node):
    kind: str  # if, with, range
    pipe: PipeNode
    body: list[Node]
    else_body: list[Node] | None


@dataclass(slots=True)
class LoopControlNode(Node):
    kind: str  # break, continue


@dataclass(slots=True)
class TemplateNode(Node):
    name: str
    pipe: PipeNode | None

    def __str__(self) -> str:
        tail = "" if self.pipe is None else f" {self.pipe}"
        return f"{{{{template {go_quote(self.name)}{tail}}}}}"


@dataclass
class Tree:
    root: list[Node]
    defines: dict[str, list[Node]] = field(default_factory=dict)


def _empty(body: list[Node]) -> bool:
    return all(isinstance(n, TextNode) and not n.text.strip() for n in body)


# --- the parser --------------------------------------------------------------------------------


class _Parser:
    def __init__(self, src: str, funcs: Collection[str]) -> None:
        self.src = src
        self.funcs = funcs
        self.items = lex(src)
        self.i = 0
        self.vars: list[str] = ["$"]
        self.range_depth = 0
        self.defines: dict[str, list[Node]] = {}

    def error(self, pos: int, msg: str) -> Exception:
        return parse_error(self.src, pos, msg)

    # items ------------------------------------------------------------------------------------

    def parse(self) -> Tree:
        root, term = self.parse_list(top=True)
        if term is not None:
            word = term.tokens[0].value
            raise self.error(term.pos, f"unexpected {{{{{word}}}}}")
        return Tree(root, self.defines)

    def parse_list(self, top: bool = False) -> tuple[list[Node], Action | None]:
        """Nodes up to an {{end}} or {{else...}} action, which is returned (None at EOF)."""
        nodes: list[Node] = []
        while self.i < len(self.items):
            item: Item = self.items[self.i]
            self.i += 1
            if isinstance(item, Text):
                nodes.append(TextNode(item.pos, item.text))
                continue
            toks = item.tokens
            if not toks:
                raise self.error(item.pos, "missing value for command")
            first = toks[0]
            if first.kind != "keyword":
                nodes.append(ActionNode(item.pos, self.pipeline(toks, 0, "command", item)))
                continue
            word = first.value
            if word in ("end", "else"):
                if word == "end" and len(toks) > 1:
                    raise self.error(toks[1].pos, f"unexpected {self.describe(toks[1])} in end")
                return nodes, item
            if word in ("if", "with", "range"):
                nodes.append(self.control(str(word), item, 1))
            elif word in ("break", "continue"):
                if self.range_depth == 0:
                    raise self.error(first.pos, f"{{{{{word}}}}} outside {{{{range}}}}")
                if len(toks) > 1:
                    raise self.error(toks[1].pos, f"unexpected {self.describe(toks[1])} in {{{{{word}}}}}")
                nodes.append(LoopControlNode(first.pos, str(word)))
            elif word == "template":
                name, pipe = self.template_args(item, "template")
                nodes.append(TemplateNode(toks[1].pos, name, pipe))
            elif word == "block":
                name, pipe = self.template_args(item, "block")
                self.define(name, self.end_body(item), item)
                nodes.append(TemplateNode(toks[1].pos, name, pipe))
            elif word == "define":
                if not top:
                    raise self.error(first.pos, "unexpected <define> in command")
                name, pipe = self.template_args(item, "define")
                if pipe is not None:
                    raise self.error(first.pos, "unexpected pipeline in define clause")
                saved = self.vars
                self.vars = ["$"]
                self.define(name, self.end_body(item), item)
                self.vars = saved
        if not top:
            raise self.error(len(self.src), "unexpected EOF")
        return nodes, None

    def define(self, name: str, body: list[Node], item: Action) -> None:
        old = self.defines.get(name)
        if old is not None and not _empty(old) and not _empty(body):
            raise self.error(item.pos, f'template: multiple definition of template "{name}"')
        if old is None or not _empty(body):
            self.defines[name] = body

    def end_body(self, opener: Action) -> list[Node]:
        body, term = self.parse_list()
        if term is None or term.tokens[0].value != "end":
            raise self.error(term.pos if term else len(self.src), "expected end; found {{else}}")
        return body

    def template_args(self, item: Action, ctx: str) -> tuple[str, PipeNode | None]:
        toks = item.tokens
        if len(toks) < 2 or toks[1].kind != "string":
            found = self.describe(toks[1]) if len(toks) > 1 else "}}"
            raise self.error(item.pos, f"unexpected {found} in {ctx} clause")
        name = str(toks[1].value)
        if len(toks) == 2:
            return name, None
        return name, self.pipeline(toks, 2, ctx, item)

    def control(self, kind: str, item: Action, start: int) -> BranchNode:
        mark = len(self.vars)
        pipe = self.pipeline(item.tokens, start, kind, item)
        if kind == "range":
            self.range_depth += 1
        body, term = self.parse_list()
        if kind == "range":
            self.range_depth -= 1
        else_body: list[Node] | None = None
        assert term is not None  # parse_list raises at EOF when not top-level
        if term.tokens[0].value == "else":
            toks = term.tokens
            if len(toks) > 1:
                # {{else if ...}} / {{else with ...}} opens a nested branch that shares our {{end}}.
                if toks[1].kind == "keyword" and toks[1].value == kind and kind in ("if", "with"):
                    self.vars = self.vars[:mark]
                    else_body = [self.control(kind, term, 2)]
                    return BranchNode(item.pos, kind, pipe, body, else_body)
                raise self.error(toks[1].pos, f"unexpected {self.describe(toks[1])} in else")
            self.vars = self.vars[:mark]
            else_body, term2 = self.parse_list()
            if term2 is None or term2.tokens[0].value != "end":
                raise self.error(term2.pos if term2 else len(self.src), "expected end; found {{else}}")
        self.vars = self.vars[:mark]
        return BranchNode(item.pos, kind, pipe, body, else_body)

    # pipelines --------------------------------------------------------------------------------

    @staticmethod
    def describe(tok: Token) -> str:
        if tok.kind == "string":
            return f"quoted string {tok.text}"
        if tok.kind == "keyword":
            return f"<{tok.text}>"
        return f'"{tok.text}"'

    def pipeline(self, toks: list[Token], i: int, ctx: str, item: Action) -> PipeNode:
        pos = toks[i].pos if i < len(toks) else item.end - 2
        decl: list[str] = []
        is_assign = False
        if i + 1 < len(toks) and toks[i].kind == "var":
            if toks[i + 1].kind in ("decl", "assign"):
                decl = [str(toks[i].value)]
                is_assign = toks[i + 1].kind == "assign"
                i += 2
            elif toks[i + 1].kind == "comma" and i + 3 < len(toks) and toks[i + 3].kind in ("decl", "assign"):
                if ctx != "range":
                    raise self.error(toks[i + 1].pos, f"too many declarations in {ctx}")
                if toks[i + 2].kind != "var":
                    raise self.error(toks[i + 2].pos, "missing variable in range declaration")
                decl = [str(toks[i].value), str(toks[i + 2].value)]
                is_assign = toks[i + 3].kind == "assign"
                i += 4
        for name in decl:
            if is_assign and name not in self.vars:
                raise self.error(pos, f'undefined variable "{name}"')
        pipe, j = self.commands(toks, i, ctx, pos, end_kind=None)
        if j != len(toks):
            raise self.error(toks[j].pos, f"unexpected {self.describe(toks[j])} in {ctx}")
        if not is_assign:
            self.vars.extend(decl)
        pipe.decl = decl
        pipe.is_assign = is_assign
        return pipe

    def commands(
        self, toks: list[Token], i: int, ctx: str, pos: int, end_kind: str | None
    ) -> tuple[PipeNode, int]:
        cmds: list[CommandNode] = []
        n = len(toks)
        if i >= n or toks[i].kind == end_kind:
            raise self.error(pos, f"missing value for {ctx}")
        while True:
            cmd, i = self.command(toks, i, end_kind)
            cmds.append(cmd)
            if i < n and toks[i].kind == "pipe":
                i += 1
                continue
            break
        if not cmds or not cmds[0].args:
            raise self.error(pos, f"missing value for {ctx}")
        for k, c in enumerate(cmds[1:], start=1):
            a0 = c.args[0]
            if isinstance(a0, ConstNode):
                raise self.error(a0.pos, f"non executable command in pipeline stage {k + 1}")
        return PipeNode(pos, [], False, cmds), i

    def command(self, toks: list[Token], i: int, end_kind: str | None) -> tuple[CommandNode, int]:
        n = len(toks)
        pos = toks[i].pos if i < n else (toks[-1].pos if toks else 0)
        args: list[Node] = []
        if i < n and toks[i].kind == "pipe":
            raise self.error(toks[i].pos, 'unexpected "|" in command')
        while i < n:
            t = toks[i]
            if t.kind == "pipe" or t.kind == end_kind:
                break
            if args and not t.spaced:
                raise self.error(t.pos, f"unexpected {self.describe(t)} in operand")
            node, i = self.operand(toks, i)
            args.append(node)
        if not args:
            raise self.error(pos, "missing value for command")
        return CommandNode(pos, args), i

    def operand(self, toks: list[Token], i: int) -> tuple[Node, int]:
        node, i = self.term(toks, i)
        n = len(toks)
        if i < n and toks[i].kind == "field" and not toks[i].spaced:
            chain_pos = toks[i].pos
            idents: list[str] = []
            while i < n and toks[i].kind == "field" and not toks[i].spaced:
                idents.append(str(toks[i].value))
                i += 1
            if isinstance(node, FieldNode):
                return FieldNode(chain_pos, node.idents + idents), i
            if isinstance(node, VariableNode):
                return VariableNode(chain_pos, node.name, node.idents + idents), i
            if isinstance(node, ConstNode):
                raise self.error(chain_pos, f"unexpected . after term {str(node)!r}".replace("'", '"'))
            return ChainNode(chain_pos, node, idents), i
        return node, i

    def term(self, toks: list[Token], i: int) -> tuple[Node, int]:
        t = toks[i]
        k = t.kind
        if k == "ident":
            name = str(t.value)
            if name not in self.funcs:
                raise self.error(t.pos, f'function "{name}" not defined')
            return IdentifierNode(t.pos, name), i + 1
        if k == "field":
            return FieldNode(t.pos, [str(t.value)]), i + 1
        if k == "var":
            name = str(t.value)
            if name not in self.vars:
                raise self.error(t.pos, f'undefined variable "{name}"')
            return VariableNode(t.pos, name, []), i + 1
        if k == "dot":
            return ConstNode(t.pos, None, ".", is_dot=True), i + 1
        if k == "nil":
            return ConstNode(t.pos, None, "nil", is_nil=True), i + 1
        if k in ("string", "number", "bool"):
            return ConstNode(t.pos, t.value, t.text), i + 1
        if k == "lparen":
            pipe, j = self.commands(toks, i + 1, "parenthesized pipeline", t.pos, end_kind="rparen")
            if j >= len(toks) or toks[j].kind != "rparen":
                raise self.error(t.pos, "unclosed left paren")
            pipe.pos = t.pos
            return pipe, j + 1
        raise self.error(t.pos, f"unexpected {self.describe(t)} in operand")


def parse(src: str, funcs: Collection[str]) -> Tree:
    """Parse a template; raises InvalidArgument with Go's ``template: :LINE: msg`` text."""
    return _Parser(src, funcs).parse()
