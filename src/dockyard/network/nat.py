"""Published ports and masquerading with kernel NAT (``iptables``; nf_tables backend here).

Why kernel NAT and not a userspace proxy: no process per port (nothing to keep alive, nothing
that can outlive the container as a ghost listener), and the kernel forwards at line rate
(no copies through userspace).  The host port is still checked free before the container starts
(``service`` binds it once), so a clash is a clear error, not a silent shadowing.

What this module does to the host firewall (CHAIN is ``NetConfig.chain``, default DOCKYARD):

* nat table: chains ``CHAIN`` and ``CHAIN-POSTROUTING``; jumps
  ``PREROUTING -m addrtype --dst-type LOCAL -j CHAIN``,
  ``OUTPUT -m addrtype --dst-type LOCAL -j CHAIN`` (so 127.0.0.1 and the host's own addresses
  work from the host itself), ``POSTROUTING -j CHAIN-POSTROUTING``;
* filter table: chain ``CHAIN-FORWARD``, jumped to first from ``FORWARD``;
* per network (comment ``dy:net:<bridge>``): masquerade of host-originated traffic into the
  bridge (needed for 127.0.0.1, with ``route_localnet=1`` on that bridge only); for non-internal
  networks masquerade of the subnet going out of other interfaces and FORWARD accept in and
  out of the bridge; internal networks accept only bridge-to-bridge traffic and drop the rest;
* per published port (comment ``dy:ctr:<container id>``): one DNAT rule in ``CHAIN``;
* ``net.ipv4.ip_forward=1`` when ``NetConfig.enable_forwarding`` (as docker does).

Every rule carries a comment naming its owner, so ``delete_owned`` can remove exactly the rules of
one network or container, and ``cleanup_stale`` the rules of containers that are gone.
"""

from __future__ import annotations

from .._record import Record
from .errors import NetworkSetupError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from .model import PortBinding


class Rule(Record, frozen=True):
    table: str          # nat | filter
    chain: str
    spec: tuple[str, ...]

    def line(self, op: str = "-A") -> str:
        return " ".join([op, self.chain, *self.spec])


def _run(args: Sequence[str], stdin: str | None = None) -> str:
    try:
        import subprocess  # iptables runs only when ports are published
        proc = subprocess.run(list(args), input=stdin, capture_output=True, text=True, check=False)
    except FileNotFoundError as err:
        raise NetworkSetupError(f"{args[0]} not found: install iptables") from err
    if proc.returncode != 0:
        raise NetworkSetupError(f"{' '.join(args[:2])} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout


def save(table: str) -> list[str]:
    """``iptables-save -t table`` lines (rules as ``-A CHAIN ...``, chains as ``:NAME ...``)."""
    return _run(["iptables-save", "-t", table]).splitlines()


def restore(lines_by_table: dict[str, list[str]]) -> None:
    """Apply rule lines atomically per table without flushing anything else."""
    text = ""
    for table, lines in lines_by_table.items():
        if lines:
            text += f"*{table}\n" + "".join(line + "\n" for line in lines) + "COMMIT\n"
    if text:
        _run(["iptables-restore", "-w", "--noflush"], stdin=text)


def comment(owner: str) -> tuple[str, ...]:
    return ("-m", "comment", "--comment", owner)


def base_rules(chain: str) -> tuple[dict[str, list[str]], list[Rule]]:
    chains = {"nat": [chain, f"{chain}-POSTROUTING"], "filter": [f"{chain}-FORWARD"]}
    jumps = [
        Rule("nat", "PREROUTING", ("-m", "addrtype", "--dst-type", "LOCAL", "-j", chain)),
        Rule("nat", "OUTPUT", ("-m", "addrtype", "--dst-type", "LOCAL", "-j", chain)),
        Rule("nat", "POSTROUTING", ("-j", f"{chain}-POSTROUTING")),
        Rule("filter", "FORWARD", ("-j", f"{chain}-FORWARD")),
    ]
    return chains, jumps


def network_rules(chain: str, bridge: str, subnet: str, internal: bool) -> list[Rule]:
    own = comment(f"dy:net:{bridge}")
    post, fwd = f"{chain}-POSTROUTING", f"{chain}-FORWARD"
    local = ("-m", "addrtype", "--src-type", "LOCAL")
    rules = [Rule("nat", post, ("-o", bridge, *local, *own, "-j", "MASQUERADE"))]
    if internal:
        rules += [
            Rule("filter", fwd, ("-i", bridge, "-o", bridge, *own, "-j", "ACCEPT")),
            Rule("filter", fwd, ("-i", bridge, *own, "-j", "DROP")),
            Rule("filter", fwd, ("-o", bridge, *own, "-j", "DROP")),
        ]
    else:
        rules += [
            Rule("nat", post, ("-s", subnet, "!", "-o", bridge, *own, "-j", "MASQUERADE")),
            Rule("filter", fwd, ("-o", bridge, *own, "-j", "ACCEPT")),
            Rule("filter", fwd, ("-i", bridge, *own, "-j", "ACCEPT")),
        ]
    return rules


def port_rules(chain: str, container_id: str, container_ip: str,
               bindings: Iterable[PortBinding]) -> list[Rule]:
    own = comment(f"dy:ctr:{container_id}")
    rules = []
    for b in bindings:
        dest = ("-d", f"{b.host_ip}/32") if b.host_ip else ()
        match = (*dest, "-p", b.proto, "-m", b.proto, "--dport", str(b.host_port))
        target = ("-j", "DNAT", "--to-destination", f"{container_ip}:{b.container_port}")
        rules.append(Rule("nat", chain, (*match, *own, *target)))
    return rules


def _normal(line: str) -> str:
    import shlex
    return " ".join(shlex.split(line))


def ensure(rules: Iterable[Rule], chain: str | None = None) -> None:
    """Add what is missing: the base chains and jumps (when ``chain`` is given) and ``rules``
    (appended, in order).  One ``iptables-save`` per table and one ``iptables-restore``."""
    wanted = list(rules)
    tables = {r.table for r in wanted}
    chains: dict[str, list[str]] = {}
    jumps: list[Rule] = []
    if chain is not None:
        chains, jumps = base_rules(chain)
        tables |= set(chains)
    out: dict[str, list[str]] = {}
    for table in sorted(tables):
        current = save(table)
        have_chains = {ln[1:].split()[0] for ln in current if ln.startswith(":")}
        have_rules = {_normal(ln) for ln in current if ln.startswith("-A ")}
        lines = [f":{c} - [0:0]" for c in chains.get(table, []) if c not in have_chains]
        for j in (r for r in jumps if r.table == table):
            if _normal(j.line()) not in have_rules:
                lines.append(j.line("-I").replace(f"-I {j.chain} ", f"-I {j.chain} 1 ", 1))
        lines += [r.line() for r in wanted if r.table == table and _normal(r.line()) not in have_rules]
        out[table] = lines
    restore(out)


def add(rules: Iterable[Rule]) -> None:
    """Append rules unconditionally (the caller knows they are new): one ``iptables-restore``."""
    out: dict[str, list[str]] = {}
    for r in rules:
        out.setdefault(r.table, []).append(r.line())
    restore(out)


def owned(owner_prefix: str, tables: Iterable[str] = ("nat", "filter")) -> dict[str, list[str]]:
    """Rule lines (``-A ...``) whose comment starts with ``owner_prefix``, per table."""
    out: dict[str, list[str]] = {}
    for table in tables:
        for ln in save(table):
            if not ln.startswith("-A "):
                continue
            import shlex
            words = shlex.split(ln)
            for i, w in enumerate(words[:-1]):
                if w == "--comment" and words[i + 1].startswith(owner_prefix):
                    out.setdefault(table, []).append(ln)
                    break
    return out


def delete_owned(owner_prefix: str, tables: Iterable[str] = ("nat", "filter")) -> int:
    """Delete every rule whose comment starts with ``owner_prefix``; returns how many."""
    found = owned(owner_prefix, tables)
    restore({t: ["-D" + ln[2:] for ln in lines] for t, lines in found.items()})
    return sum(len(v) for v in found.values())


def remove_base(chain: str) -> None:
    """Remove the jumps and chains of ``chain`` entirely (uninstall; tests' teardown)."""
    chains, jumps = base_rules(chain)
    out: dict[str, list[str]] = {}
    for table, names in chains.items():
        current = save(table)
        have_rules = {_normal(ln) for ln in current if ln.startswith("-A ")}
        have_chains = {ln[1:].split()[0] for ln in current if ln.startswith(":")}
        lines = [j.line("-D") for j in jumps if j.table == table and _normal(j.line()) in have_rules]
        lines += [f"-F {c}" for c in names if c in have_chains]
        lines += [f"-X {c}" for c in names if c in have_chains]
        out[table] = lines
    restore(out)


def chain_rules(table: str, chain: str) -> list[str]:
    """The ``-A chain ...`` lines of one chain (for tests and diagnostics)."""
    return [ln for ln in save(table) if ln.startswith(f"-A {chain} ")]


def enable_forwarding() -> None:
    try:
        with open("/proc/sys/net/ipv4/ip_forward") as f:
            if f.read().strip() == "1":
                return
        with open("/proc/sys/net/ipv4/ip_forward", "w") as f:
            f.write("1")
    except OSError as err:
        raise NetworkSetupError(f"cannot enable net.ipv4.ip_forward: {err.strerror}") from err
