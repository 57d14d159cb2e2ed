"""``mount -o`` option strings -> (flags, propagation flags, data)."""

from __future__ import annotations

from ..._record import Record
from ...linux import _constants as c

# name -> (clear?, flag)
_FLAGS: dict[str, tuple[bool, int]] = {
    "ro": (False, c.MS_RDONLY), "rw": (True, c.MS_RDONLY),
    "nosuid": (False, c.MS_NOSUID), "suid": (True, c.MS_NOSUID),
    "nodev": (False, c.MS_NODEV), "dev": (True, c.MS_NODEV),
    "noexec": (False, c.MS_NOEXEC), "exec": (True, c.MS_NOEXEC),
    "sync": (False, c.MS_SYNCHRONOUS), "async": (True, c.MS_SYNCHRONOUS),
    "dirsync": (False, c.MS_DIRSYNC), "remount": (False, c.MS_REMOUNT),
    "mand": (False, c.MS_MANDLOCK), "nomand": (True, c.MS_MANDLOCK),
    "noatime": (False, c.MS_NOATIME), "atime": (True, c.MS_NOATIME),
    "nodiratime": (False, c.MS_NODIRATIME), "diratime": (True, c.MS_NODIRATIME),
    "bind": (False, c.MS_BIND), "rbind": (False, c.MS_BIND | c.MS_REC),
    "relatime": (False, c.MS_RELATIME), "norelatime": (True, c.MS_RELATIME),
    "strictatime": (False, c.MS_STRICTATIME), "nostrictatime": (True, c.MS_STRICTATIME),
    "nosymfollow": (False, c.MS_NOSYMFOLLOW), "symfollow": (True, c.MS_NOSYMFOLLOW),
}
_PROPAGATION: dict[str, int] = {
    "private": c.MS_PRIVATE, "rprivate": c.MS_PRIVATE | c.MS_REC,
    "shared": c.MS_SHARED, "rshared": c.MS_SHARED | c.MS_REC,
    "slave": c.MS_SLAVE, "rslave": c.MS_SLAVE | c.MS_REC,
    "unbindable": c.MS_UNBINDABLE, "runbindable": c.MS_UNBINDABLE | c.MS_REC,
}


class MountOptions(Record, frozen=True):
    flags: int
    propagation: tuple[int, ...]
    data: str

    @property
    def is_bind(self) -> bool:
        return bool(self.flags & c.MS_BIND)


def parse(options: list[str] | tuple[str, ...]) -> MountOptions:
    flags = 0
    prop: list[int] = []
    data: list[str] = []
    for opt in options:
        if opt in ("defaults", ""):
            continue
        if opt in _FLAGS:
            clear, flag = _FLAGS[opt]
            flags = flags & ~flag if clear else flags | flag
        elif opt in _PROPAGATION:
            prop.append(_PROPAGATION[opt])
        else:
            data.append(opt)
    return MountOptions(flags, tuple(prop), ",".join(data))
