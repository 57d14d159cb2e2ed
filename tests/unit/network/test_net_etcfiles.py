from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard.errors import InvalidArgument
from dockyard.network import etcfiles


def test_resolv_conf_drops_localhost_and_falls_back(tmp_path: Path) -> None:
    host = tmp_path / "resolv.conf"
    host.write_text("# c\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch example.org\noptions ndots:2\n")
    assert etcfiles.resolv_conf_content(str(host)) == (
        "nameserver 10.0.0.2\nsearch example.org\noptions ndots:2\n")
    host.write_text("nameserver 127.0.0.53\n")
    assert etcfiles.resolv_conf_content(str(host)) == "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"
    assert etcfiles.resolv_conf_content(str(host), keep_localhost=True) == "nameserver 127.0.0.53\n"


def test_resolv_conf_flags_win(tmp_path: Path) -> None:
    host = tmp_path / "resolv.conf"
    host.write_text("nameserver 10.0.0.2\nsearch a.org\n")
    text = etcfiles.resolv_conf_content(str(host), dns=["1.1.1.1"], search=["b.org"], options=["rotate"])
    assert text == "nameserver 1.1.1.1\nsearch b.org\noptions rotate\n"


def test_hosts_content() -> None:
    text = etcfiles.hosts_content(own=[("10.0.0.2", ["web", "web", "alias"])],
                                  peers=[("10.0.0.3", ["db", "abcdef123456"])],
                                  extra_hosts=["gw:10.0.0.1", "other=1.2.3.4"])
    lines = text.splitlines()
    assert lines[0] == "127.0.0.1\tlocalhost"
    assert "10.0.0.1\tgw" in lines and "1.2.3.4\tother" in lines
    assert "10.0.0.2\tweb alias" in lines and "10.0.0.3\tdb abcdef123456" in lines


def test_bad_add_host() -> None:
    with pytest.raises(InvalidArgument):
        etcfiles.parse_extra_host("nohost")


def test_write_in_place_keeps_inode(tmp_path: Path) -> None:
    f = tmp_path / "hosts"
    etcfiles.write_in_place(str(f), "a long first version\n")
    ino = os.stat(f).st_ino
    etcfiles.write_in_place(str(f), "short\n")
    assert f.read_text() == "short\n" and os.stat(f).st_ino == ino
