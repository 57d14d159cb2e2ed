from __future__ import annotations

import json

import pytest

from dockyard.errors import Unauthenticated
from dockyard.registry import _auth
from dockyard.registry._auth import Challenge, Credentials


def test_parse_bearer_and_basic() -> None:
    [c] = _auth.parse_challenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/busybox:pull"')
    assert c.scheme == "bearer"
    assert c.params == {"realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                        "scope": "repository:library/busybox:pull"}
    assert c.scopes == ("repository:library/busybox:pull",)
    cs = _auth.parse_challenges('Basic realm="basic-realm", Bearer realm="x", error="insufficient_scope"')
    assert [c.scheme for c in cs] == ["basic", "bearer"]
    assert cs[1].params["error"] == "insufficient_scope"
    assert _auth.pick_challenge(cs).scheme == "bearer"
    quoted = _auth.parse_challenges('Basic realm="a \\"quoted\\" realm"')[0]
    assert quoted.params["realm"] == 'a "quoted" realm'
    with pytest.raises(Unauthenticated):
        _auth.pick_challenge([Challenge("negotiate")])


def test_token_request_merges_scopes_and_credentials() -> None:
    c = Challenge("bearer", {"realm": "http://h/token?x=1", "service": "svc", "scope": "repository:a:push"})
    req = _auth.token_request(c, ("repository:a:pull", "repository:b:pull"), Credentials("u", "p"))
    assert req.url == ("http://h/token?x=1&service=svc&scope=repository%3Aa%3Apull%2Cpush"
                       "&scope=repository%3Ab%3Apull")
    assert req.authorization == "Basic dTpw"
    assert _auth.token_request(c, (), None).authorization is None
    with pytest.raises(Unauthenticated):
        _auth.token_request(Challenge("bearer", {}), (), None)


def test_token_response_and_cache() -> None:
    t = _auth.parse_token_response(json.dumps({"access_token": "abc", "expires_in": 100}).encode(), now=1000)
    assert t == _auth.Token("abc", 1100)
    assert _auth.parse_token_response(b'{"token": "x"}', now=0).expires_at == 60
    for bad in (b"nope", b"[]", b'{"token": ""}'):
        with pytest.raises(Unauthenticated):
            _auth.parse_token_response(bad)
    cache = _auth.TokenCache()
    cache.put("r", ("s",), t)
    assert cache.get("r", ("s",), now=1000) == "abc"
    assert cache.get("r", ("s",), now=1095) is None  # about to expire: refetch
    assert cache.get("r", ("other",), now=1000) is None
    cache.invalidate("r", ("s",))
    assert cache.get("r", ("s",), now=1000) is None
