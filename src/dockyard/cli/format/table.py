"""docker's list output: ``--format`` as a table, a raw template, or JSON lines.

    format_rows(None, rows, "table {{.ID}}\\t{{.Image}}", headers={"ID": "CONTAINER ID", "Image": "IMAGE"})

gives::

    CONTAINER ID   IMAGE
    4f2c1e0d9a7b   busybox

The rules are docker's ``formatter.Context``:

* ``None``, ``""`` or ``"table"``: ``default_table``.
* ``"table <template>"`` (any format starting with ``table``): a header row, then one row per item,
  aligned by ``tabwriter`` (minwidth 10, padding 3, spaces; the last column is not padded). The
  header is the same template executed on ``headers`` (field name -> column title, e.g.
  ``{"ID": "CONTAINER ID"}``; a field without a title gets its name upper-cased) with docker's
  header functions, so ``{{.Names | upper}}`` still prints ``NAMES``.
* ``"json"``: each row as one compact JSON object per line, keys sorted (``--format json``).
* anything else: a raw template, one line per row, no header, no alignment.

Literal ``\\t`` and ``\\n`` (backslash sequences typed on a shell command line) become a tab and a
newline, and surrounding spaces are trimmed, as docker does.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from typing import Any

    from dockyard.cli.format.gotemplate import Template

__all__ = ["format_rows", "is_json", "is_table", "prepare_format", "tabwrite", "template_for"]

_MINWIDTH = 10
_PADDING = 3


def is_table(fmt: str) -> bool:
    return fmt.startswith("table")


def is_json(fmt: str) -> bool:
    return fmt == "json"


def prepare_format(fmt: str) -> str:
    """docker's preFormat: drop the ``table`` keyword, trim spaces, turn ``\\t``/``\\n`` into characters."""
    if is_table(fmt):
        fmt = fmt[len("table") :]
    return fmt.strip(" ").replace("\\t", "\t").replace("\\n", "\n")


_TEMPLATES: dict[str, Template] = {}


def template_for(fmt: str) -> Template:
    """The compiled template for a ``--format`` value (cached: the same format is reused per row)."""
    tmpl = _TEMPLATES.get(fmt)
    if tmpl is None:
        from dockyard.cli.format.gotemplate import compile
        tmpl = _TEMPLATES[fmt] = compile(prepare_format(fmt))
    return tmpl


def _field_name(part: str) -> str | None:
    """``{{.Name}}`` -> ``Name`` (a Go template of one plain field), else None."""
    if not (part.startswith("{{.") and part.endswith("}}")):
        return None
    name = part[3:-2]
    return name if name and all(c.isalnum() or c == "_" for c in name) else None


def _simple_fields(fmt: str) -> tuple[list[str], bool] | None:
    """``table {{.A}}\\t{{.B}}`` or ``{{.A}}``: the fields and whether it is a table, when plain
    fields are all there is (no template engine needed: the hot path of ps/images, and -q)."""
    table = fmt.startswith("table ")
    parts = (fmt[6:] if table else fmt).replace("\\t", "\t").split("\t")
    if not table and len(parts) != 1:
        return None
    names = [_field_name(p) for p in parts]
    if any(n is None for n in names):
        return None
    return [n for n in names if n is not None], table


# --- header ------------------------------------------------------------------------------------


class _Title(str):
    """A column title that also answers method-style fields (``{{.Label "com.x"}}``)."""

    __slots__ = ()

    def __call__(self, *_: Any) -> str:
        return str(self)


def _headers(titles: Mapping[str, str]) -> Mapping[str, _Title]:
    """The mapping a table's header row is rendered from (built on first use: collections.abc
    is not imported by the plain-field fast path)."""
    from collections.abc import Mapping

    class _Headers(Mapping[str, _Title]):
        def __init__(self, titles: Mapping[str, str]) -> None:
            self._titles = titles

        def __getitem__(self, key: str) -> _Title:
            return _Title(self._titles.get(key, key.upper()))

        def __contains__(self, key: object) -> bool:
            return isinstance(key, str)

        def __iter__(self) -> Iterator[str]:
            return iter(self._titles)

        def __len__(self) -> int:
            return len(self._titles)

    return _Headers(titles)


# --- tabwriter ---------------------------------------------------------------------------------


def _write_lines(lines: list[list[str]], widths: list[int], line0: int, line1: int, out: list[str]) -> None:
    nwidths = len(widths)
    last = len(lines) - 1
    for i in range(line0, line1):
        line = lines[i]
        for j, cell in enumerate(line):
            out.append(cell)
            if j < nwidths:
                out.append(" " * (widths[j] - len(cell)))
        if i != last:
            out.append("\n")


def _format(lines: list[list[str]], widths: list[int], line0: int, line1: int, out: list[str]) -> None:
    column = len(widths)
    this = line0
    while this < line1:
        if column >= len(lines[this]) - 1:
            this += 1
            continue
        # a cell in this column: lines line0..this are done, a column block starts here
        _write_lines(lines, widths, line0, this, out)
        line0 = this
        width = _MINWIDTH
        while this < line1:
            line = lines[this]
            if column >= len(line) - 1:
                break
            w = len(line[column]) + _PADDING
            if w > width:
                width = w
            this += 1
        widths.append(width)
        _format(lines, widths, line0, this, out)
        widths.pop()
        line0 = this
    _write_lines(lines, widths, line0, line1, out)


def tabwrite(text: str) -> str:
    """Go's ``tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)`` over ``text``, as docker's tables use it.

    Cells are tab-terminated; a column block is a run of consecutive lines that have that cell,
    and each block is as wide as its widest cell plus 3 (at least 10). The text after a line's
    last tab is not part of any column.
    """
    lines = [line.split("\t") for line in text.split("\n")]
    if lines[-1][-1] == "":  # Go never terminates an empty cell at the very end of the input
        lines[-1].pop()
    out: list[str] = []
    _format(lines, [], 0, len(lines), out)
    return "".join(out)


# --- rows --------------------------------------------------------------------------------------


def format_rows(
    fmt: str | None,
    rows: Sequence[Any],
    default_table: str,
    *,
    headers: Mapping[str, str] | None = None,
    quiet_field: str | None = None,
) -> str:
    """Render ``rows`` for a list command (``ps``, ``images``, ``volume ls``...); see the module doc.

    ``quiet_field`` (``-q``) wins over ``fmt``: one ``row[quiet_field]`` per line. The result ends
    with a newline unless it is empty (a raw template over no rows). Raises InvalidArgument for
    a malformed template or a failing row.
    """
    if quiet_field is not None:
        fmt = "{{." + quiet_field + "}}"
    elif not fmt or fmt == "table":
        fmt = default_table
    if is_json(fmt):
        from dockyard.cli.format.gofmt import go_json
        return "".join(go_json(row, escape_html=True) + "\n" for row in rows)
    simple = _simple_fields(fmt)
    if simple is not None and all(isinstance(r, dict) for r in rows):
        fields, table = simple
        if all(isinstance(r.get(f), (str, int)) and not isinstance(r.get(f), bool) for r in rows for f in fields):
            if not table:
                return "".join(str(r[fields[0]]) + "\n" for r in rows)
            hdr = headers or {}
            lines = ["\t".join(hdr.get(f, f.upper()) for f in fields)]
            lines += ["\t".join(str(r[f]) for f in fields) for r in rows]
            return tabwrite("\n".join(lines) + "\n")
    from dockyard.cli.format.gotemplate import HEADER_FUNCS
    tmpl = template_for(fmt)
    body = "".join([tmpl.render(row) + "\n" for row in rows])
    if not is_table(fmt):
        return body
    header = tmpl.render(_headers(headers or {}), funcs=HEADER_FUNCS, keep_partial=True)
    return tabwrite(header + "\n" + body)
