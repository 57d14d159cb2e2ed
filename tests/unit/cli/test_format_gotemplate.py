"""Go text/template semantics, checked against what Go prints.

GO_CASES (go_template_cases.json) were produced by running each template through Go's
text/template (go1.19) with docker's template functions, on DATA decoded from JSON (numbers
converted to int when integral); the expected strings are Go's output byte for byte, including
error messages.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from dockyard.cli.format.gotemplate import compile
from dockyard.errors import InvalidArgument

DATA: dict[str, Any] = {
    "Name": "web",
    "Labels": {"a": "1", "com.x": "y<&>"},
    "Cmd": ["sh", "-c", "echo"],
    "N": 3,
    "F": 1.5,
    "B": True,
    "Z": None,
    "L": [],
    "M": {},
    "State": {"Status": "running", "Pid": 42, "Health": None},
    "Nested": [{"a": 1}, {"a": 2}],
    "Big": 123456789.0,
    "Small": 0.00001,
    "S": "héllo wörld",
    "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]},
    "Num": {"2": "b", "10": "a"},
}


def render(text: str, data: Any = DATA) -> str:
    try:
        return compile(text).render(data)
    except InvalidArgument as err:
        return "ERR: " + str(err)


GO_CASES: list[tuple[str, str]] = [
    (c["template"], c["go_output"])
    for c in json.loads((Path(__file__).parent / "go_template_cases.json").read_text(encoding="utf-8"))
]


@pytest.mark.parametrize(("text", "want"), GO_CASES)
def test_matches_go(text: str, want: str) -> None:
    assert render(text) == want


# Deliberate differences from Go's behaviour on map[string]interface{} data (see the module doc).
@pytest.mark.parametrize(
    ("text", "want"),
    [
        # typed docker structs hold labels as map[string]string: a missing key is "" through index
        ('{{index .Labels "nope"}}|', "|"),
        # a field of a null value is "no value" (docker's raw-JSON fallback), not a nil-pointer error
        ("{{.State.Health.Status}}", "<no value>"),
        ("{{.Z.X}}", "<no value>"),
        # join accepts a list of strings (Go would reject []interface {})
        ('{{join .Cmd ","}}', "sh,-c,echo"),
        # truncate counts characters, not bytes
        ("{{truncate .S 3}}", "hél"),
        # Go 1.22+: range over an integer; Go 1.23+: else with
        ("{{range $i := 3}}{{$i}}{{end}}", "012"),
        ("{{with .Missing}}x{{else with .Name}}{{.}}{{end}}", "web"),
        # concrete type names in errors
        ("{{.N.X}}", 'ERR: template: :1:4: executing "" at <.N.X>: can\'t evaluate field X in type int'),
    ],
)
def test_deliberate_differences(text: str, want: str) -> None:
    assert render(text) == want


def test_multiline_trim_and_positions() -> None:
    text = "{{range .Cmd -}}\n  {{.}}\n{{end -}}"
    assert render(text) == "sh\n-c\necho\n"
    assert render("line1\n  {{.Name.Foo}}") == (
        'ERR: template: :2:9: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string'
    )
    assert render("a\n{{if}}") == "ERR: template: :2: missing value for if"


@dataclasses.dataclass
class _State:
    Status: str
    Running: bool


@dataclasses.dataclass
class _Container:
    Id: str
    State: _State
    Labels: dict[str, str]

    def Label(self, key: str) -> str:  # noqa: N802 - Go-style method name, as templates call it
        return self.Labels.get(key, "")


def test_objects_are_structs() -> None:
    c = _Container("abc", _State("exited", False), {"com.x": "1"})
    assert render("{{.Id}} {{.State.Status}} {{.State.Running}}", c) == "abc exited false"
    assert render('{{.Label "com.x"}}|{{.Label "nope"}}', c) == "1|"
    assert render("{{.State}}", c) == "{exited false}"
    assert render("{{json .State}}", c) == '{"Status":"exited","Running":false}'
    assert render("{{.Nope}}", c) == (
        'ERR: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type _Container'
    )
    assert render("{{._private}}", c).startswith("ERR: ")


def test_callable_in_dict_is_a_method() -> None:
    labels = {"a": "1"}
    row = {"Label": lambda k: labels.get(k, "")}
    assert render('{{.Label "a"}}', row) == "1"
    assert render('{{"a" | .Label}}', row) == "1"


def test_compiled_template_is_reused_across_rows() -> None:
    tmpl = compile("{{.ID}}:{{if .Up}}up{{else}}down{{end}}")
    rows = [{"ID": str(i), "Up": i % 2 == 0} for i in range(5)]
    assert [tmpl.render(r) for r in rows] == ["0:up", "1:down", "2:up", "3:down", "4:up"]
    # variables do not leak from one render into the next
    tmpl2 = compile("{{$x := .A}}{{$x}}")
    assert tmpl2.render({"A": 1}) == "1"
    assert tmpl2.render({"A": 2}) == "2"


def test_errors_are_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match=r'^template: :1: function "foo" not defined$'):
        compile("{{foo .X}}")
    with pytest.raises(InvalidArgument, match=r"^template: :1: unclosed action$"):
        compile("{{.X")
    with pytest.raises(InvalidArgument, match=r"^template: :1: unexpected EOF$"):
        compile("{{if .X}}")
    with pytest.raises(InvalidArgument, match=r"can't evaluate field Foo in type string"):
        compile("{{.Foo}}").render("x")


def test_custom_functions() -> None:
    from dockyard.cli.format.gotemplate import Func

    tmpl = compile("{{shout .}}", funcs={"shout": Func(lambda s: s.upper() + "!", 1, 1)})
    assert tmpl.render("hi") == "HI!"
    with pytest.raises(InvalidArgument, match="wrong number of args for shout: want 1 got 2"):
        compile('{{shout . "x"}}', funcs={"shout": Func(lambda s: s, 1, 1)}).render("hi")


def test_deep_recursion_is_an_error_not_a_crash() -> None:
    with pytest.raises(InvalidArgument):
        compile('{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}').render(1)


def test_deeply_nested_parens_are_an_error_not_a_crash() -> None:
    with pytest.raises(InvalidArgument):
        compile("{{" + "(" * 5000 + "1" + ")" * 5000 + "}}")
