"""dockyard.jsonfast must agree with json byte for byte (dumps) and value for value (loads)."""

from __future__ import annotations

import json
import random

import pytest

from dockyard import jsonfast


def _value(rng: random.Random, depth: int = 0) -> object:
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice([None, True, False, 0, -5, 2**70, 1.5, -0.0, 1e300, "x", 'é\u2028"\\\n', "\x00", ""])
    if r < 0.6:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["a", "b", "é", "k\n", ""]) + str(rng.randint(0, 3)): _value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def test_same_text_and_values_as_json() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        v = _value(rng)
        compact = json.dumps(v, separators=(",", ":"))
        assert jsonfast.dumps(v) == compact
        assert jsonfast.dumps(v, compact=False) == json.dumps(v)
        assert jsonfast.dumps(v, compact=False, sort_keys=True) == json.dumps(v, sort_keys=True)
        assert jsonfast.loads(compact) == json.loads(compact)
        pretty = json.dumps(v, indent=2)
        assert jsonfast.loads(" \n" + pretty + "\n") == json.loads(pretty)
        assert jsonfast.loads(pretty.encode()) == json.loads(pretty)


@pytest.mark.parametrize("bad", ["", " ", "{", "[1,]", "1 2", "nul", '{"a":1}x', '"\\x"', "[1e]", "{'a': 1}"])
def test_invalid_text_is_a_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        jsonfast.loads(bad)


def test_unserialisable_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsonfast.dumps({"a": object()})


def test_does_not_import_json_or_re() -> None:
    import subprocess
    import sys
    code = ("import sys; from dockyard import jsonfast; jsonfast.loads(jsonfast.dumps({'a': [1, 2.5, None]}));"
            "print(sorted(m for m in ('json', 're', 'typing') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_invalid_text_without_json_loaded_is_a_value_error() -> None:
    """_json builds its exception from json.decoder, which a lean process never imported."""
    import subprocess
    import sys
    code = ("from dockyard import jsonfast\n"
            "for bad in ['{bad', '\"abc', '{\"a\":1,}', '\"a\\x01\"', '[1,]', '']:\n"
            "    try:\n"
            "        jsonfast.loads(bad)\n"
            "    except ValueError as e:\n"
            "        assert 'char' in str(e) or 'invalid' in str(e), e\n"
            "    else:\n"
            "        raise SystemExit('accepted ' + bad)\n"
            "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
