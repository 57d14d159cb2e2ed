"""The per-container fast path: one netlink request creates the pair (peer already in the
namespace, host end enslaved and up), netlink sockets made inside a namespace by the calling
thread, batched requests, and releases that return once the veth is gone."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from dyt_helpers import in_netns, kill_netns

from dockyard.network import _rtnl, link, nsutil
from dockyard.network.model import AttachOptions
from dockyard.network.service import NetworkService

pytestmark = pytest.mark.privileged


def test_attach_plumbs_both_ends(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    pid = netns()
    cid = "1" * 64
    service.prepare(cid, AttachOptions(name="fast"))
    cn = service.attach(cid, pid)
    veth = cn.endpoints[0].veth
    bridge = service.config.default_bridge
    assert os.path.basename(os.readlink(f"/sys/class/net/{veth}/master")) == bridge
    assert int(Path(f"/sys/class/net/{veth}/flags").read_text(), 16) & 0x1          # IFF_UP
    inner = in_netns(pid, "ip", "-o", "link", "show", "eth0").stdout
    assert "UP" in inner and cn.mac in inner
    assert "UP" in in_netns(pid, "ip", "-o", "link", "show", "lo").stdout   # the library API raises lo
    assert f"default via {cn.gateway} dev eth0" in in_netns(pid, "ip", "route").stdout


def test_release_after_exit_returns_with_the_veth_gone(service: NetworkService, netns) -> None:  # type: ignore[no-untyped-def]
    veths = []
    for i in range(3):
        pid = netns()
        cid = str(i) * 64
        service.prepare(cid, AttachOptions(name=f"gone{i}"))
        veths.append(service.attach(cid, pid).endpoints[0].veth)
        if i:
            kill_netns(pid)            # the container exited (its namespace is being torn down)
        service.release(cid)           # i == 0: released while the namespace still lives
        assert not link.link_exists(veths[-1])
        service.forget(cid)
    assert link.bridge_ports(service.config.default_bridge) == []


def test_delete_veths_of_absent_links_returns_at_once() -> None:
    link.delete_veths(["dytvnosuchlnk0", "dytvnosuchlnk1"])
    link.delete_veths([])


def test_batch_reports_the_failing_request() -> None:
    with _rtnl.Rtnl() as r:
        with pytest.raises(_rtnl.NetlinkError) as info:
            r.batch([_rtnl.get_link("lo"), _rtnl.get_link("dytvnosuchlnk0")])
        assert info.value.index == 1 and info.value.errno == errno.ENODEV
        replies = r.batch([_rtnl.get_link("dytvnosuchlnk0"), _rtnl.get_link("lo")], ignore=(errno.ENODEV,))
        assert replies[0] == b"" and _rtnl.link_index(replies[1]) == 1


def test_netlink_socket_in_leaves_the_thread_at_home(netns) -> None:  # type: ignore[no-untyped-def]
    pid = netns()
    home = os.stat("/proc/thread-self/ns/net").st_ino
    with _rtnl.Rtnl(nsutil.netlink_socket_in(f"/proc/{pid}/ns/net")) as r:
        assert os.stat("/proc/thread-self/ns/net").st_ino == home
        # the socket lives in the fresh namespace: lo and nothing else
        assert _rtnl.link_index(r.batch([_rtnl.get_link("lo")])[0]) == 1
        with pytest.raises(OSError):
            r.batch([_rtnl.get_link("eth0")])
