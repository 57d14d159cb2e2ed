"""The container record, its create options and docker's JSON shapes."""

from __future__ import annotations

import os
import time

from .._lazyre import lazy_re
from .._record import Record, field
from ..errors import InvalidArgument

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NAME_RE = lazy_re(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

RUNNING_STATES = ("running", "paused", "restarting")

# allowed transitions of the process state (lifecycle.py's table, kept here: it is small)
TRANSITIONS: dict[str, frozenset[str]] = {
    "created": frozenset({"running", "exited", "removing", "dead"}),
    "running": frozenset({"paused", "exited", "restarting", "removing", "dead"}),
    "paused": frozenset({"running", "exited", "removing", "dead"}),
    "restarting": frozenset({"running", "exited", "removing", "dead"}),
    "exited": frozenset({"running", "restarting", "removing", "dead"}),
    "removing": frozenset({"dead"}),
    "dead": frozenset({"removing"}),
}

_ADJ = ("admiring", "agitated", "amazing", "angry", "awesome", "blissful", "bold", "boring", "brave", "busy",
        "charming", "clever", "cool", "compassionate", "competent", "condescending", "confident", "cranky",
        "crazy", "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated",
        "elegant", "eloquent", "epic", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty",
        "gallant", "gifted", "goofy", "gracious", "happy", "hardcore", "heuristic", "hopeful", "hungry",
        "infallible", "inspiring", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical",
        "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective",
        "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical",
        "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
        "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat",
        "vibrant", "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous")
_NAMES = ("albattani", "allen", "archimedes", "babbage", "banach", "bardeen", "bartik", "bell", "bhabha",
          "black", "blackwell", "bohr", "booth", "borg", "bose", "brahmagupta", "brown", "cannon", "carson",
          "cerf", "chandrasekhar", "chatelet", "clarke", "colden", "cori", "cray", "curie", "darwin",
          "davinci", "diffie", "dijkstra", "dubinsky", "easley", "edison", "einstein", "elion", "engelbart",
          "euclid", "euler", "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg",
          "goldstine", "golick", "goodall", "hamilton", "hawking", "heisenberg", "hermann", "hodgkin",
          "hofstadter", "hopper", "hugle", "hypatia", "jackson", "jang", "jennings", "johnson", "joliot",
          "kalam", "kapitsa", "keldysh", "keller", "kepler", "khorana", "kilby", "kirch", "knuth", "lalande",
          "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann", "lewin", "liskov", "lovelace",
          "lumiere", "mahavira", "margulis", "matsumoto", "maxwell", "mayer", "mccarthy", "mcclintock",
          "meitner", "mendel", "merkle", "mestorf", "mirzakhani", "montalcini", "moore", "morse", "moser",
          "napier", "nash", "neumann", "newton", "nobel", "noether", "northcutt", "noyce", "panini", "pare",
          "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "ptolemy", "raman", "ramanujan",
          "ride", "ritchie", "robinson", "roentgen", "rosalind", "saha", "sammet", "shamir", "shannon",
          "shaw", "shockley", "sinoussi", "snyder", "spence", "stonebraker", "swanson", "swartz", "tesla",
          "thompson", "torvalds", "turing", "varahamihira", "vaughan", "villani", "visvesvaraya", "volhard",
          "wescoff", "wiles", "williams", "wilson", "wing", "wozniak", "wright", "wu", "yalow", "yonath")


def random_name() -> str:
    # os.urandom, not random: importing random (hashlib, bisect, ...) costs ~2 ms of every run
    a, b = int.from_bytes(os.urandom(4), "big"), int.from_bytes(os.urandom(4), "big")
    return f"{_ADJ[a % len(_ADJ)]}_{_NAMES[b % len(_NAMES)]}"


def new_id() -> str:
    return os.urandom(32).hex()


def validate_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise InvalidArgument(f'Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed')
    return name.lstrip("/")


class CreateOptions(Record):
    """What `docker create`/`run` flags mean, in engine terms (the CLI parses into this)."""

    image: str
    cmd: list[str] | None = None              # None: the image's Cmd
    entrypoint: list[str] | None = None       # None: the image's; [] resets it
    name: str | None = None
    env: list[str] = field(default_factory=list)
    workdir: str | None = None
    user: str | None = None
    hostname: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    tty: bool = False
    open_stdin: bool = False
    read_only: bool = False
    memory: int = 0
    memory_swap: int = 0
    nano_cpus: int = 0
    pids_limit: int | None = None
    init: bool = False
    restart: str = "no"
    stop_signal: str | None = None
    stop_timeout: int | None = None
    runtime: str = "native"
    auto_remove: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    privileged: bool = False
    ulimits: list[dict[str, Any]] = field(default_factory=list)
    log_opts: dict[str, str] = field(default_factory=dict)
    network: str = "default"
    publish: list[str] = field(default_factory=list)
    publish_all: bool = False
    expose: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    tmpfs: list[str] = field(default_factory=list)
    volumes_from: list[str] = field(default_factory=list)
    add_hosts: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    ip: str | None = None
    aliases: list[str] = field(default_factory=list)
    attach_stdin: bool = False
    attach_stdout: bool = False
    attach_stderr: bool = False


def parse_restart(policy: str) -> tuple[str, int]:
    name, _, count = policy.partition(":")
    if name not in ("no", "always", "on-failure", "unless-stopped"):
        raise InvalidArgument(f"invalid restart policy '{name}'")
    if count:
        if name != "on-failure":
            raise InvalidArgument(f"maximum retry count cannot be used with restart policy '{name}'")
        if not count.isdigit():
            raise InvalidArgument("invalid restart policy format: maximum retry count must be an integer")
        return name, int(count)
    return name, 0


class Container(Record):
    id: str
    name: str
    image_id: str
    image_ref: str
    created: str
    runtime: str
    config: dict[str, Any]
    host_config: dict[str, Any]
    status: str
    pid: int = 0
    pid_start: int = 0
    monitor_pid: int = 0
    exit_code: int = 0
    oom_killed: bool = False
    error: str = ""
    started_at: str = ""
    finished_at: str = ""
    restart_count: int = 0
    manual_stop: bool = False

    @classmethod
    def from_row(cls, row: Any) -> Container:
        from .. import jsonfast as json
        return cls(row["id"], row["name"], row["image_id"], row["image_ref"], row["created"], row["runtime"],
                   json.loads(row["config"]), json.loads(row["host_config"]), row["status"], row["pid"],
                   row["pid_start"], row["monitor_pid"], row["exit_code"], bool(row["oom_killed"]),
                   row["error"], row["started_at"], row["finished_at"], row["restart_count"],
                   bool(row["manual_stop"]))

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATES

    @property
    def short_id(self) -> str:
        return self.id[:12]


def proc_start_time(pid: int) -> int:
    """Field 22 of /proc/PID/stat (start time in clock ticks): tells a pid from its reuse."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    rest = data[data.rindex(b")") + 2:].split()
    return int(rest[19])


def running(pid: int) -> bool:
    """Some process ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return data[data.rindex(b")") + 2:][:1] != b"Z"


def alive(pid: int, start: int) -> bool:
    """The process ``pid`` started at ``start`` still runs (a zombie has exited: its exit status
    is only waiting for a parent that may never come, e.g. after its monitor was killed)."""
    if pid <= 0 or start <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    rest = data[data.rindex(b")") + 2:].split()
    return rest[0] != b"Z" and int(rest[19]) == start


def now_rfc3339() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1e9):09d}Z"
