"""Go's fmt/strconv/encoding-json output for Python values (expected strings from Go)."""

from __future__ import annotations

import pytest

from dockyard.cli.format.gofmt import MISSING, go_float, go_json, go_quote, go_sprintf, go_str


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.5, "1.5"),
        (100.0, "100"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1e21, "1e+21"),
        (-2.5e-10, "-2.5e-10"),
        (float("inf"), "+Inf"),
        (float("nan"), "NaN"),
    ],
)
def test_go_float(x: float, want: str) -> None:
    assert go_float(x) == want


def test_go_str_composites() -> None:
    assert go_str(["sh", "-c", 1, None, True]) == "[sh -c 1 <nil> true]"
    assert go_str({"b": 1, "a": [1, 2], "c": {}}) == "map[a:[1 2] b:1 c:map[]]"
    assert go_str({2: "x", 10: "y"}) == "map[2:x 10:y]"
    assert go_str(None) == "<no value>"
    assert go_str(MISSING) == "<no value>"
    assert go_str(False) == "false"


def test_go_json() -> None:
    data = {"b": [1, 2.5, None], "a": "<&>\u2028\n\x01", "c": True, "d": 1e21, "e": 1e-7, "f": 100.0}
    assert (
        go_json(data) == '{"a":"<&>\\u2028\\n\\u0001","b":[1,2.5,null],"c":true,"d":1e+21,"e":1e-7,"f":100}'
    )
    assert go_json("<&>", escape_html=True) == '"\\u003c\\u0026\\u003e"'
    assert go_json(MISSING) == "null"
    with pytest.raises(ValueError):
        go_json(float("nan"))


def test_go_quote() -> None:
    assert go_quote('a"b\\c\n\t\x01é\u2028\U0001f600\x7f') == '"a\\"b\\\\c\\n\\t\\x01é\\u2028😀\\x7f"'


@pytest.mark.parametrize(
    ("fmt", "args", "want"),
    [
        ("%s|%5s|%-5s|%.2s", ["ab", "ab", "ab", "abc"], "ab|   ab|ab   |ab"),
        ("%d|%5d|%-5d|%05d|%+d", [1, 2, 3, -4, 5], "1|    2|3    |-0004|+5"),
        ("%x|%X|%#x|%o|%b|%c|%U", [255, 255, 255, 8, 5, 65, 65], "ff|FF|0xff|10|101|A|U+0041"),
        ("%.2f|%8.3f|%e|%g", [3.14159, 2.5, 1234.5, 0.000012345], "3.14|   2.500|1.234500e+03|1.2345e-05"),
        ("%q|%v|%t", ["a\tb", [1, "x"], True], '"a\\tb"|[1 x]|true'),
        ("%d %s", ["x", 1], "%!d(string=x) %!s(int=1)"),
        ("%v %v", [1], "1 %!v(MISSING)"),
        ("%d", [1, "x"], "1%!(EXTRA string=x)"),
        ("100%%", [], "100%"),
        ("%*d|%-*d|", [4, 1, 3, 2], "   1|2  |"),
        ("%s", [None], "%!s(<nil>)"),
        ("%x", ["hi"], "6869"),
    ],
)
def test_go_sprintf(fmt: str, args: list[object], want: str) -> None:
    assert go_sprintf(fmt, args) == want
