"""Contents of a container's /etc/hosts and /etc/resolv.conf, and writing them in place.

Name resolution between containers uses **managed hosts files**, not an embedded DNS server:

* a user-defined network's containers each get a hosts file listing every container on the
  networks they share (``IP name alias... shortid``); when a container joins or leaves, the
  service rewrites the hosts files of all containers on that network;
* the files are rewritten *in place* (same inode), so the runtime's bind mount of
  ``<root>/containers/<id>/hosts`` onto ``/etc/hosts`` sees every update at once;
* nothing runs per container or per network: no resolver process to keep alive, restart or
  clean up after a crash, no iptables redirection of port 53, and resolution works with any
  libc (glibc, musl, busybox) and in containers with no DNS client at all.

The trade-off (accepted): a container that caches resolution, or that overwrites its own
/etc/hosts, does not see later changes; names of other networks are never visible.
"""

from __future__ import annotations

import os

from ..errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

HOSTS_HEADER = (
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n"
)
FALLBACK_NAMESERVERS = ("8.8.8.8", "8.8.4.4")


def parse_extra_host(spec: str) -> tuple[str, str]:
    """``--add-host name:ip`` (or ``name=ip``) -> (name, ip)."""
    sep = "=" if "=" in spec else ":"
    name, found, ip = spec.partition(sep)
    if not found or not name or not ip:
        raise InvalidArgument(f"invalid argument {spec!r} for \"--add-host\" flag: bad format for add-host")
    ip = ip.strip("[]")
    return name, ip


def hosts_content(*, own: Sequence[tuple[str, Sequence[str]]] = (),
                  peers: Iterable[tuple[str, Sequence[str]]] = (),
                  extra_hosts: Iterable[str] = ()) -> str:
    """The container's hosts file: header, --add-host entries, its own addresses, then peers."""
    lines = [HOSTS_HEADER]
    for spec in extra_hosts:
        name, ip = parse_extra_host(spec)
        lines.append(f"{ip}\t{name}\n")
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for ip, names in [*own, *peers]:
        clean = tuple(dict.fromkeys(n for n in names if n))
        if not clean or (ip, clean) in seen:
            continue
        seen.add((ip, clean))
        lines.append(f"{ip}\t{' '.join(clean)}\n")
    return "".join(lines)


def host_mode_hosts(host_hosts: str, extra_hosts: Iterable[str]) -> str:
    """``--network host``: the host's own /etc/hosts plus --add-host entries."""
    try:
        with open(host_hosts) as f:
            base = f.read()
    except OSError:
        base = HOSTS_HEADER
    if base and not base.endswith("\n"):
        base += "\n"
    extra = "".join(f"{ip}\t{name}\n" for name, ip in map(parse_extra_host, extra_hosts))
    return base + extra


def resolv_conf_content(host_resolv_conf: str, *, dns: Sequence[str] = (), search: Sequence[str] = (),
                        options: Sequence[str] = (), keep_localhost: bool = False) -> str:
    """Docker's rules: nameservers from --dns or else the host's, minus 127.x/::1 ones (kept for
    host mode), falling back to 8.8.8.8/8.8.4.4; search and options from the flags or the host."""
    try:
        with open(host_resolv_conf) as f:
            text = f.read()
    except OSError:
        text = ""
    host_ns: list[str] = []
    host_search: list[str] = []
    host_options: list[str] = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith(("#", ";")):
            continue
        if words[0] == "nameserver" and len(words) > 1:
            host_ns.append(words[1])
        elif words[0] in ("search", "domain"):
            host_search = words[1:]
        elif words[0] == "options":
            host_options.extend(words[1:])
    if dns:
        servers = list(dns)
    else:
        servers = [s for s in host_ns if keep_localhost or not _is_localhost(s)]
        if not servers:
            servers = list(FALLBACK_NAMESERVERS)
    chosen_search = list(search) if search else host_search
    chosen_options = list(options) if options else host_options
    out = [f"nameserver {s}\n" for s in servers]
    if chosen_search and chosen_search != ["."]:
        out.append(f"search {' '.join(chosen_search)}\n")
    if chosen_options:
        out.append(f"options {' '.join(chosen_options)}\n")
    return "".join(out)


def _is_localhost(server: str) -> bool:
    return server.startswith("127.") or server in ("::1", "0:0:0:0:0:0:0:1")


def write_in_place(path: str, content: str) -> None:
    """Replace the file's bytes without replacing its inode (bind mounts keep following it)."""
    data = content.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
