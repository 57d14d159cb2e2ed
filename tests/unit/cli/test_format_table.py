"""docker's table/json/raw list output and Go's tabwriter (expected strings from Go's text/tabwriter)."""

from __future__ import annotations

import pytest

from dockyard.cli.format.table import format_rows, prepare_format, tabwrite
from dockyard.errors import InvalidArgument

PS_HEADERS = {
    "ID": "CONTAINER ID",
    "Image": "IMAGE",
    "Command": "COMMAND",
    "CreatedSince": "CREATED",
    "Status": "STATUS",
    "Ports": "PORTS",
    "Names": "NAMES",
    "Labels": "LABELS",
}
PS_DEFAULT = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedSince}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"


def _row(i: int) -> dict[str, object]:
    return {
        "ID": f"{i:012x}",
        "Image": "busybox:latest",
        "Command": '"sh"',
        "CreatedSince": "2 minutes ago",
        "Status": "Up 2 minutes",
        "Ports": "0.0.0.0:8080->80/tcp" if i == 0 else "",
        "Names": f"c{i}",
        "Labels": "a=1",
    }


# tabwriter.NewWriter(w, 10, 1, 3, ' ', 0), as docker's formatter uses it; outputs from Go.
@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("", ""),
        ("a", "a"),
        ("a\n", "a\n"),
        ("a\tb\n", "a         b\n"),
        (
            'CONTAINER ID\tIMAGE\tCOMMAND\n4f2c1e0d9a7b\tbusybox\t"sh"\n',
            'CONTAINER ID   IMAGE     COMMAND\n4f2c1e0d9a7b   busybox   "sh"\n',
        ),
        ("a\tb\tc\nx\n\ty\tz\n", "a         b         c\nx\n          y         z\n"),
        ("héllo\twörld\nx\ty\n", "héllo     wörld\nx         y\n"),
        ("\t\t\n\t\t\n", "                    \n                    \n"),
        (
            "a\tb\tc\td\ne\tf\n\ng\th\ti\n",
            "a         b         c         d\ne         f\n\ng         h         i\n",
        ),
        ("aaaaaaaaaaaaaaaaa\tb\nc\td\te\n", "aaaaaaaaaaaaaaaaa   b\nc                   d         e\n"),
        ("trailing\tno newline", "trailing   no newline"),
        ("x\t\n\ty\n", "x         \n          y\n"),
        ("a\tb\t", "a         b"),
        (
            "NAME\tDRIVER\tSCOPE\nbridge\tbridge\tlocal\nhost\thost\tlocal\n",
            "NAME      DRIVER    SCOPE\nbridge    bridge    local\nhost      host      local\n",
        ),
    ],
)
def test_tabwrite_matches_go(text: str, want: str) -> None:
    assert tabwrite(text) == want


def test_default_table_with_no_rows_is_dockers_header() -> None:
    out = format_rows(None, [], PS_DEFAULT, headers=PS_HEADERS)
    assert out == "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"
    assert format_rows("table", [], PS_DEFAULT, headers=PS_HEADERS) == out
    assert format_rows("", [], PS_DEFAULT, headers=PS_HEADERS) == out


def test_default_table_rows() -> None:
    out = format_rows(None, [_row(0), _row(1)], PS_DEFAULT, headers=PS_HEADERS)
    assert out == (
        "CONTAINER ID   IMAGE            COMMAND   CREATED         STATUS         PORTS"
        "                  NAMES\n"
        '000000000000   busybox:latest   "sh"      2 minutes ago   Up 2 minutes   0.0.0.0:8080->80/tcp'
        "   c0\n"
        '000000000001   busybox:latest   "sh"      2 minutes ago   Up 2 minutes   '
        "                       c1\n"
    )


def test_custom_table_header_comes_from_the_template() -> None:
    # shell users type a literal backslash-t; header functions leave titles alone (upper, json...)
    out = format_rows(
        "table {{.Names | upper}}\\t{{json .Labels}}\\t{{.Extra}}", [_row(0)], PS_DEFAULT, headers=PS_HEADERS
    )
    assert out == 'NAMES     LABELS    EXTRA\nC0        "a=1"     <no value>\n'


def test_table_header_method_style_field() -> None:
    labels = {"com.x": "v"}
    rows = [{"Names": "c0", "Label": lambda k: labels.get(k, "")}]
    out = format_rows('table {{.Names}}\t{{.Label "com.x"}}', rows, PS_DEFAULT, headers=PS_HEADERS)
    assert out == "NAMES     LABEL\nc0        v\n"


def test_raw_template_has_no_header_and_no_alignment() -> None:
    out = format_rows("{{.Names}}\t{{.Status}}", [_row(0), _row(10)], PS_DEFAULT)
    assert out == "c0\tUp 2 minutes\nc10\tUp 2 minutes\n"
    assert format_rows("{{.Names}}", [], PS_DEFAULT) == ""


def test_json_lines_sorted_keys_html_escaped() -> None:
    out = format_rows("json", [_row(0)], PS_DEFAULT)
    assert out == (
        '{"Command":"\\"sh\\"","CreatedSince":"2 minutes ago","ID":"000000000000","Image":"busybox:latest",'
        '"Labels":"a=1","Names":"c0","Ports":"0.0.0.0:8080-\\u003e80/tcp","Status":"Up 2 minutes"}\n'
    )


def test_quiet_wins() -> None:
    out = format_rows("table {{.Names}}", [_row(0), _row(1)], PS_DEFAULT, quiet_field="ID")
    assert out == "000000000000\n000000000001\n"


def test_prepare_format() -> None:
    assert prepare_format("table  {{.ID}}\\t{{.Names}}\\n ") == "{{.ID}}\t{{.Names}}\n"
    assert prepare_format("  {{.ID}} ") == "{{.ID}}"


def test_bad_template_is_invalid_argument() -> None:
    with pytest.raises(InvalidArgument, match='function "nope" not defined'):
        format_rows("table {{nope .ID}}", [_row(0)], PS_DEFAULT, headers=PS_HEADERS)
    with pytest.raises(InvalidArgument, match="can't evaluate field X in type string"):
        format_rows("{{.ID.X}}", [_row(0)], PS_DEFAULT)


def test_hundred_rows() -> None:
    # how fast this is belongs to benchmarks/bench_core.py (ps -a with 100 containers), not a test
    rows = [_row(i) for i in range(100)]
    out = format_rows(None, rows, PS_DEFAULT, headers=PS_HEADERS)
    assert out.count("\n") == 101
