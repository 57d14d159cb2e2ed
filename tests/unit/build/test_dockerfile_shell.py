"""BuildKit word expansion: quotes, escapes, ${...} forms, word splitting, variable tracking."""

from __future__ import annotations

import pytest

from dockyard.build.dockerfile.shell import Expander, ShellLex
from dockyard.errors import InvalidArgument

ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": "", "V": "1.2.3-rc1",
       "P": "/usr/local/lib/site-packages"}
ERROR = object()

WORD_CASES = [
    ("hello", "hello"),
    ("he'll'o", "hello"),
    ("he'llo", ERROR),
    ("he\\'llo", "he'llo"),
    ("abc\\tdef", "abctdef"),
    ('"abc\\tdef"', "abc\\tdef"),
    ("'abc\\tdef'", "abc\\tdef"),
    ("hello\\", "hello"),
    ("hello\\\\", "hello\\"),
    ('"hello', ERROR),
    ('"hello\\"', ERROR),
    ("'hello\\'", "hello\\"),
    ('"\'\'"', "''"),
    ("$.", "$."),
    ("he$1x", "hex"),
    ("he$PWD", "he/home"),
    ("he\\$PWD", "he$PWD"),
    ("he\\\\$PWD", "he\\/home"),
    ('"he\\$PWD"', "he$PWD"),
    ("'he\\$PWD'", "he\\$PWD"),
    ("\\${}", "${}"),
    ("${}", ERROR),
    ("he${.}", ERROR),
    ("he${hi}xx", "hexx"),
    ("he${XXX:-000}xx", "he000xx"),
    ("he${PWD:-000}xx", "he/homexx"),
    ("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
    ("he${XXX:-${YYY:-yyy}}xx", "heyyyxx"),
    ("he${XXX:YYY}", ERROR),
    ("he${XXX?}", ERROR),
    ("he${NULL?}", "he"),
    ("he${NULL:?}", ERROR),
    ("he${NULL-x}", "he"),
    ("he${NULL:-x}", "hex"),
    ("he${NULL+x}", "hex"),
    ("he${NULL:+x}", "he"),
    ("he${PWD:+${SHELL}}xx", "hebashxx"),
    ("he${PWD:+${PWD}:}xx", "he/home:xx"),
    ("he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
    ("he${PWD:=000}xx", ERROR),
    ("he${PWD", ERROR),
    ('"he\'$PWD\'"', "he'/home'"),
    ("'$PWD'", "$PWD"),
    ("안'녕'하세요", "안녕하세요"),
    ("안녕$KOREAN", "안녕한국어"),
    ("${aaa}}", "}"),
    ("${aaa:-bbb {foo}", "bbb {foo"),
    ("${aaa:-bbb ${foo}", ERROR),
    ("${:-bbb}", ERROR),
    ("${1:-bbb}", "bbb"),
    ("$999aaa", "aaa"),
    ("${001:-bbb}aaa", "bbbaaa"),
    ("$@@@", "@@"),
    ("${#:-bbb}", "bbb"),
    ("$$", ""),
    # pattern forms (BuildKit >= 0.12)
    ("${P#*/}", "usr/local/lib/site-packages"),
    ("${P##*/}", "site-packages"),
    ("${V%-*}", "1.2.3"),
    ("${V%%.*}", "1"),
    ("${V%.?}", "1.2.3-rc1"),
    ("${V/./_}", "1_2.3-rc1"),
    ("${V//./_}", "1_2_3-rc1"),
    ("${V/rc*/final}", "1.2.3-final"),
    ("${XXX/a/b}", ""),
    ("${V:#x}", ERROR),
    ("${V/x", ERROR),
]


@pytest.mark.parametrize(("word", "expected"), WORD_CASES)
def test_process_word(word: str, expected: object) -> None:
    lex = ShellLex()
    if expected is ERROR:
        with pytest.raises(InvalidArgument, match="failed to process"):
            lex.process_word(word, ENV)
    else:
        assert lex.process_word(word, ENV) == expected


WORDS_ENV = {"hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "}
WORDS_CASES = [
    ("hello", ["hello"]),
    ("hello${hi}bye", ["hellohibye"]),
    ("hello${space}bye", ["helloabc", "defbye"]),
    ('hello"${space}"bye', ["helloabc  defbye"]),
    ('hello "${space}"bye', ["hello", "abc  defbye"]),
    ("hello${leading}def", ["hello", "ab", "cdef"]),
    ('hello"${leading}" def', ["hello  ab c", "def"]),
    ("hello${trailing}d", ["helloab", "c", "d"]),
    ('hello" there  "', ["hello there  "]),
    ("hello there     ", ["hello", "there"]),
    ("hello\\ there", ["hello there"]),
    ('hello\\" there', ['hello"', "there"]),
    ("hello'$there'", ["hello$there"]),
    ('a "" b', ["a", "b"]),
    ("80 ${X:-443/tcp}", ["80", "443/tcp"]),
    ("<<EOF cat", ["<<EOF", "cat"]),
    ("<< EOF cat", ["<< EOF", "cat"]),
]


@pytest.mark.parametrize(("word", "expected"), WORDS_CASES)
def test_process_words(word: str, expected: list[str]) -> None:
    assert ShellLex().process_words(word, WORDS_ENV) == expected


def test_backtick_escape() -> None:
    lex = ShellLex("`")
    assert lex.process_word("C:\\dir `$HOME", {"HOME": "x"}) == "C:\\dir $HOME"
    assert lex.process_word('"a`"b"', {}) == 'a"b'
    assert lex.process_word("a\\$X", {"X": "y"}) == "a\\y"


def test_matched_and_unmatched_variables() -> None:
    res = Expander().expand_with_matches("$A ${B:-x} ${C+y} $A", {"A": "1", "C": ""})
    assert res.result == "1 x y 1"
    assert res.matched == {"A", "C"}
    assert res.unmatched == {"B"}


def test_quoted_names_do_not_expand_but_skip_unset_keeps_text() -> None:
    lex = ShellLex(skip_unset_env=True)
    assert lex.process_word("$A ${B} ${C:-d} ${E/x/y}", {}) == "$A ${B} ${C:-d} ${E/x/y}"


def test_raw_quotes_and_escapes_keep_everything() -> None:
    lex = ShellLex(raw_quotes=True, raw_escapes=True)
    assert lex.process_word("'a' \"b\" \\c", {}) == "'a' \"b\" \\c"


def test_heredoc_expansion_keeps_quotes() -> None:
    out = Expander("`").expand_heredoc("echo '$A' \"$A\" \\$A\n", {"A": "1"})
    assert out == "echo '1' \"1\" $A\n"


def test_error_messages_match_buildkit() -> None:
    with pytest.raises(InvalidArgument) as info:
        Expander().expand_word("${X:?is required}", {})
    assert str(info.value) == 'failed to process "${X:?is required}": X: is required'
    with pytest.raises(InvalidArgument) as info:
        Expander().expand_word("${}", {})
    assert str(info.value) == 'failed to process "${}": syntax error: bad substitution'
    with pytest.raises(InvalidArgument) as info:
        Expander().expand_word("'open", {})
    assert "looking for matching single-quote" in str(info.value)
