"""Thin ctypes wrappers over the Linux syscalls Python 3.11 does not expose.

Every wrapper raises ``OSError`` (with errno set) on failure, like the ``os`` module does.  libc (and
ctypes itself) is loaded lazily on first use so that importing this package costs nothing.
"""

from ._constants import (
    CAP_LAST_CAP,
    CAPABILITIES,
    CLONE_NEWCGROUP,
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    MS_SHARED,
    MS_SLAVE,
    NAMESPACE_FLAGS,
    PR_CAP_AMBIENT,
    PR_CAP_AMBIENT_CLEAR_ALL,
    PR_CAP_AMBIENT_RAISE,
    PR_CAPBSET_DROP,
    PR_SET_CHILD_SUBREAPER,
    PR_SET_KEEPCAPS,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    cap_number,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._syscalls import (
        capget,
        capset,
        mount,
        pivot_root,
        prctl,
        sethostname,
        setns,
        umount2,
        unshare,
    )

_SYSCALLS = ("capget", "capset", "mount", "pivot_root", "prctl", "sethostname", "setns", "umount2",
             "unshare")


def __getattr__(name: str) -> object:
    """The syscall wrappers load ctypes on first use: the constants alone (spec building, mount
    options) must not pay for it."""
    if name in _SYSCALLS:
        from . import _syscalls
        value = getattr(_syscalls, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CAPABILITIES",
    "CAP_LAST_CAP",
    "CLONE_NEWCGROUP",
    "CLONE_NEWIPC",
    "CLONE_NEWNET",
    "CLONE_NEWNS",
    "CLONE_NEWPID",
    "CLONE_NEWUSER",
    "CLONE_NEWUTS",
    "MNT_DETACH",
    "MS_BIND",
    "MS_NODEV",
    "MS_NOEXEC",
    "MS_NOSUID",
    "MS_PRIVATE",
    "MS_RDONLY",
    "MS_REC",
    "MS_REMOUNT",
    "MS_SHARED",
    "MS_SLAVE",
    "NAMESPACE_FLAGS",
    "PR_CAPBSET_DROP",
    "PR_CAP_AMBIENT",
    "PR_CAP_AMBIENT_CLEAR_ALL",
    "PR_CAP_AMBIENT_RAISE",
    "PR_SET_CHILD_SUBREAPER",
    "PR_SET_KEEPCAPS",
    "PR_SET_NO_NEW_PRIVS",
    "PR_SET_PDEATHSIG",
    "cap_number",
    "capget",
    "capset",
    "mount",
    "pivot_root",
    "prctl",
    "sethostname",
    "setns",
    "umount2",
    "unshare",
]
