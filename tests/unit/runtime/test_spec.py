from __future__ import annotations

import pytest

from dockyard.errors import InvalidArgument
from dockyard.runtime import seccomp
from dockyard.runtime.spec import (
    DEFAULT_CAPABILITIES,
    INIT_PATH,
    MASKED_PATHS,
    READONLY_PATHS,
    SpecOptions,
    build_spec,
    resolve_user,
)


def _spec(**kw: object) -> dict:
    return build_spec(SpecOptions(args=["sh"], env=["PATH=/bin"], **kw), rootfs="/r")  # type: ignore[arg-type]


def test_defaults() -> None:
    s = _spec(hostname="h", cgroups_path="/dockyard/x")
    assert s["root"] == {"path": "/r", "readonly": False}
    assert s["hostname"] == "h"
    p = s["process"]
    assert p["args"] == ["sh"] and p["env"] == ["PATH=/bin"] and p["cwd"] == "/"
    assert p["noNewPrivileges"] is True and p["terminal"] is False
    assert p["capabilities"]["bounding"] == list(DEFAULT_CAPABILITIES)
    assert p["capabilities"]["effective"] == list(DEFAULT_CAPABILITIES)
    kinds = [n["type"] for n in s["linux"]["namespaces"]]
    assert kinds == ["pid", "ipc", "uts", "mount", "network", "cgroup"]
    dests = [m["destination"] for m in s["mounts"]]
    assert dests == ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"]
    assert "ro" in s["mounts"][3]["options"]
    assert s["linux"]["maskedPaths"] == list(MASKED_PATHS)
    assert s["linux"]["readonlyPaths"] == list(READONLY_PATHS)
    assert [d["path"] for d in s["linux"]["devices"]] == [
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]
    assert s["linux"]["cgroupsPath"] == "/dockyard/x"
    res = s["linux"]["resources"]
    assert res["devices"][0] == {"allow": False, "access": "rwm"}
    assert "memory" not in res and "cpu" not in res and "pids" not in res
    sc = s["linux"]["seccomp"]
    assert sc["defaultAction"] == "SCMP_ACT_ALLOW"
    blocked = sc["syscalls"][0]["names"]
    for name in ("kexec_load", "init_module", "keyctl", "bpf", "ptrace", "unshare", "mount", "reboot"):
        assert name in blocked
    assert sc["syscalls"][0]["action"] == "SCMP_ACT_ERRNO"


def test_resources() -> None:
    res = _spec(memory=32 << 20, cpus=1.5, pids_limit=10)["linux"]["resources"]
    assert res["memory"] == {"limit": 32 << 20, "swap": 64 << 20}
    assert res["cpu"] == {"quota": 150000, "period": 100000}
    assert res["pids"] == {"limit": 10}
    assert _spec(memory=10, memory_swap=-1)["linux"]["resources"]["memory"]["swap"] == -1


def test_read_only_tty_user() -> None:
    s = _spec(read_only=True, tty=True, uid=1000, gid=1000, additional_gids=(10,))
    assert s["root"]["readonly"] is True
    assert s["process"]["terminal"] is True
    assert s["process"]["user"] == {"uid": 1000, "gid": 1000, "additionalGids": [10]}
    assert s["process"]["capabilities"]["effective"] == []


def test_privileged() -> None:
    s = _spec(privileged=True)
    assert "CAP_SYS_ADMIN" in s["process"]["capabilities"]["bounding"]
    assert "seccomp" not in s["linux"] and "maskedPaths" not in s["linux"]
    assert "ro" not in s["mounts"][3]["options"]
    assert s["linux"]["resources"]["devices"] == [{"allow": True, "access": "rwm"}]


def test_caps_add_drop() -> None:
    spec = _spec(cap_add=("sys_ptrace",), cap_drop=("chown", "NET_RAW"))
    caps = spec["process"]["capabilities"]["bounding"]
    assert "CAP_SYS_PTRACE" in caps and "CAP_CHOWN" not in caps and "CAP_NET_RAW" not in caps
    assert _spec(cap_drop=("ALL",), cap_add=("KILL",))["process"]["capabilities"]["bounding"] == ["CAP_KILL"]
    with pytest.raises(InvalidArgument):
        _spec(cap_add=("nope",))
    assert "ptrace" not in seccomp.blocked_syscalls(["CAP_SYS_PTRACE"])


def test_init() -> None:
    s = _spec(init=True)
    assert s["process"]["args"] == [INIT_PATH, "--", "sh"]
    assert {"destination": INIT_PATH, "type": "bind", "source": "/usr/bin/tini-static",
            "options": ["rbind", "ro"]} in s["mounts"]


def test_network_modes_and_extra_mounts() -> None:
    assert "network" not in [n["type"] for n in _spec(network_namespace="host")["linux"]["namespaces"]]
    ns = _spec(network_namespace="/proc/1/ns/net")["linux"]["namespaces"]
    assert {"type": "network", "path": "/proc/1/ns/net"} in ns
    m = {"destination": "/etc/hosts", "type": "bind", "source": "/x/hosts", "options": ["rbind", "rprivate"]}
    assert _spec(extra_mounts=(m,))["mounts"][-1] == m
    assert _spec(rlimits=(("RLIMIT_NOFILE", 10, 20),))["process"]["rlimits"] == [
        {"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20}]


FILES = {
    "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
    "/etc/group": b"root:x:0:\nwheel:x:10:app,root\napp:x:1000:\nstaff:x:50:\n",
}


@pytest.mark.parametrize(("user", "expected"), [
    ("", (0, 0, (10,))),
    ("root", (0, 0, (10,))),
    ("app", (1000, 1000, (10,))),
    ("1000", (1000, 1000, (10,))),
    ("4242", (4242, 0, ())),
    ("app:staff", (1000, 50, ())),
    ("app:77", (1000, 77, ())),
    ("4242:4343", (4242, 4343, ())),
])
def test_resolve_user(user: str, expected: tuple[int, int, tuple[int, ...]]) -> None:
    assert resolve_user(user, FILES.get) == expected


def test_resolve_user_errors() -> None:
    with pytest.raises(InvalidArgument, match="unable to find user xyz: no matching entries in passwd file"):
        resolve_user("xyz", FILES.get)
    with pytest.raises(InvalidArgument, match="unable to find group nope"):
        resolve_user("app:nope", FILES.get)
    assert resolve_user("7", lambda p: None) == (7, 0, ())
