"""Seccomp: Docker's documented default deny-list as an OCI ``linux.seccomp`` object, and a loader
that installs such an object in the current process through libseccomp (ctypes).

The policy allows everything except the syscalls Docker's documentation lists as blocked by default;
those fail with EPERM.  As in Docker's profile, a syscall group is allowed again when the container
holds the capability that the kernel would check for it anyway (e.g. ``ptrace`` with CAP_SYS_PTRACE).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # no typing/ctypes at import: spec building (the run path) only needs the profile
if TYPE_CHECKING:
    import ctypes
    from collections.abc import Iterable
    from typing import Any

EPERM = 1

# syscalls blocked unless the container has the capability (None: always blocked)
_GATED: tuple[tuple[str | None, tuple[str, ...]], ...] = (
    (None, ("add_key", "keyctl", "request_key", "create_module", "get_kernel_syms", "query_module",
            "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old", "userfaultfd",
            "kexec_file_load", "kexec_load")),
    ("CAP_SYS_ADMIN", ("mount", "umount", "umount2", "unshare", "setns", "pivot_root", "quotactl",
                       "lookup_dcookie", "fanotify_init", "name_to_handle_at", "open_tree",
                       "move_mount", "fsopen", "fsconfig", "fsmount", "fspick")),
    ("CAP_SYS_ADMIN|CAP_BPF", ("bpf",)),
    ("CAP_SYS_ADMIN|CAP_PERFMON", ("perf_event_open",)),
    ("CAP_SYS_PTRACE", ("ptrace", "process_vm_readv", "process_vm_writev", "kcmp")),
    ("CAP_SYS_TIME", ("settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex")),
    ("CAP_SYS_MODULE", ("init_module", "finit_module", "delete_module")),
    ("CAP_SYS_BOOT", ("reboot",)),
    ("CAP_SYS_PACCT", ("acct",)),
    ("CAP_SYS_RAWIO", ("iopl", "ioperm")),
    ("CAP_SYS_NICE", ("get_mempolicy", "set_mempolicy", "mbind", "move_pages")),
    ("CAP_DAC_READ_SEARCH", ("open_by_handle_at",)),
    ("CAP_SYSLOG", ("syslog",)),
    ("CAP_SYS_ADMIN", ("swapon", "swapoff")),
)

_ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]


def blocked_syscalls(capabilities: Iterable[str]) -> list[str]:
    """The syscalls the default profile blocks for a container holding ``capabilities``."""
    caps = set(capabilities)
    out: list[str] = []
    for gate, names in _GATED:
        if gate is not None and any(c in caps for c in gate.split("|")):
            continue
        out.extend(n for n in names if n not in out)
    return out


def default_profile(capabilities: Iterable[str]) -> dict[str, Any]:
    """An OCI ``linux.seccomp`` object: allow by default, EPERM for the blocked syscalls."""
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": list(_ARCHES),
        "syscalls": [{"names": blocked_syscalls(capabilities), "action": "SCMP_ACT_ERRNO",
                      "errnoRet": EPERM}],
    }


# --- loading (libseccomp via ctypes) -------------------------------------------------------------

_SCMP_ACT_KILL_PROCESS = 0x80000000
_SCMP_ACT_KILL = 0x00000000
_SCMP_ACT_TRAP = 0x00030000
_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_ACT_LOG = 0x7FFC0000


def _action(name: str, errno_ret: int | None) -> int:
    if name == "SCMP_ACT_ALLOW":
        return _SCMP_ACT_ALLOW
    if name == "SCMP_ACT_ERRNO":
        return 0x00050000 | ((EPERM if errno_ret is None else errno_ret) & 0xFFFF)
    if name == "SCMP_ACT_KILL":
        return _SCMP_ACT_KILL
    if name == "SCMP_ACT_KILL_PROCESS":
        return _SCMP_ACT_KILL_PROCESS
    if name == "SCMP_ACT_TRAP":
        return _SCMP_ACT_TRAP
    if name == "SCMP_ACT_LOG":
        return _SCMP_ACT_LOG
    raise ValueError(f"unsupported seccomp action {name}")


_libseccomp: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _libseccomp
    if _libseccomp is not None:
        return _libseccomp
    import ctypes
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError as err:
        raise OSError(2, f"seccomp: cannot load libseccomp.so.2: {err}") from err
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
    lib.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    _libseccomp = lib
    return lib


class Filter:
    """A compiled filter: build it while libseccomp is reachable (before pivot_root), load later."""

    def __init__(self, profile: dict[str, Any]) -> None:
        lib = _lib()
        ctx = lib.seccomp_init(_action(profile.get("defaultAction", "SCMP_ACT_ALLOW"),
                                       profile.get("defaultErrnoRet")))
        if not ctx:
            raise OSError(22, "seccomp_init failed")
        self._ctx: int | None = ctx
        for arch in profile.get("architectures") or []:
            token = lib.seccomp_arch_resolve_name(arch.removeprefix("SCMP_ARCH_").lower().encode())
            if token:
                lib.seccomp_arch_add(ctx, token)  # EEXIST for the native arch: fine
        for rule in profile.get("syscalls") or []:
            if rule.get("args"):
                continue  # argument filters are not supported by this loader
            act = _action(rule["action"], rule.get("errnoRet"))
            for name in rule.get("names") or []:
                nr = lib.seccomp_syscall_resolve_name(name.encode())
                if nr == -1:  # __NR_SCMP_ERROR: unknown here
                    continue
                lib.seccomp_rule_add(ctx, act, nr, 0)  # failures (pseudo syscalls) are skipped

    def load(self) -> None:
        """Install the filter in this process (after no_new_privs or with CAP_SYS_ADMIN)."""
        if self._ctx is None:
            raise OSError(22, "seccomp filter already released")
        lib = _lib()
        try:
            rc = lib.seccomp_load(self._ctx)
            if rc < 0:
                raise OSError(-rc, f"seccomp_load failed: {os.strerror(-rc)}")
        finally:
            lib.seccomp_release(self._ctx)
            self._ctx = None


def load(profile: dict[str, Any]) -> None:
    """Compile and install ``profile`` (an OCI seccomp object; argument filters are skipped)."""
    Filter(profile).load()


CACHE_DIR = "/run/dockyard/seccomp"
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


def compile_bpf(profile: dict[str, Any]) -> bytes:
    """The classic-BPF program libseccomp generates for ``profile`` (``seccomp_export_bpf``)."""
    import ctypes
    import tempfile

    f = Filter(profile)
    lib = _lib()
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    try:
        with tempfile.TemporaryFile() as tmp:
            rc = lib.seccomp_export_bpf(f._ctx, tmp.fileno())
            if rc < 0:
                raise OSError(-rc, f"seccomp_export_bpf failed: {os.strerror(-rc)}")
            tmp.seek(0)
            return tmp.read()
    finally:
        lib.seccomp_release(f._ctx)
        f._ctx = None


def cached_bpf(profile: dict[str, Any], cache_dir: str = CACHE_DIR) -> bytes:
    """``compile_bpf`` once per distinct profile (and libseccomp build): the program is kept in
    ``/run`` (tmpfs, gone at reboot), keyed by a hash of the profile, written atomically."""
    from ..jsonfast import dumps
    try:  # the builtin C module: hashlib would load OpenSSL (~5 ms on every start/exec)
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import sha256

    # dumps(compact=False, sort_keys=True) is json.dumps(profile, sort_keys=True), byte for byte
    key = sha256(dumps(profile, compact=False, sort_keys=True).encode()).hexdigest()[:32]
    path = os.path.join(cache_dir, key + ".bpf")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        if data and len(data) % 8 == 0:
            return data
    except OSError:
        pass
    data = compile_bpf(profile)
    try:
        os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only /run only costs the compile next time
    return data


class BpfFilter:
    """A precompiled program (see ``cached_bpf``) with the same ``load()`` as ``Filter``."""

    def __init__(self, program: bytes) -> None:
        import ctypes
        import struct

        if not program or len(program) % 8:
            raise ValueError("invalid seccomp BPF program")
        self._buf = ctypes.create_string_buffer(program, len(program))
        # struct sock_fprog {unsigned short len; struct sock_filter *filter;}, native layout
        self._prog = ctypes.create_string_buffer(
            struct.pack("@HP", len(program) // 8, ctypes.addressof(self._buf)))

    def load(self) -> None:
        import ctypes

        from ..linux._syscalls import libc
        if libc().prctl(ctypes.c_int(_PR_SET_SECCOMP), ctypes.c_ulong(_SECCOMP_MODE_FILTER),
                        ctypes.c_ulong(ctypes.addressof(self._prog)), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"seccomp filter: {os.strerror(err)}")
