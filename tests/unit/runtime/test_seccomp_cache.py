"""The cached BPF program must behave like libseccomp's own loader: same program every time,
and loading it in a process really blocks what the profile blocks."""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from dockyard.runtime import seccomp

PROFILE = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
           "syscalls": [{"names": ["acct"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EPERM}]}


def _libseccomp() -> None:
    try:
        ctypes.CDLL("libseccomp.so.2")
    except OSError:
        pytest.skip("libseccomp.so.2 not installed")


def test_cached_program_is_stable(tmp_path: object) -> None:
    _libseccomp()
    first = seccomp.cached_bpf(PROFILE, cache_dir=str(tmp_path))
    assert first == seccomp.compile_bpf(PROFILE)
    assert seccomp.cached_bpf(PROFILE, cache_dir=str(tmp_path)) == first
    assert len(os.listdir(str(tmp_path))) == 1
    other = dict(PROFILE, syscalls=[])
    assert seccomp.cached_bpf(other, cache_dir=str(tmp_path)) != first


def test_loaded_program_blocks_the_syscall(tmp_path: object) -> None:
    _libseccomp()
    program = seccomp.cached_bpf(PROFILE, cache_dir=str(tmp_path))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
            seccomp.BpfFilter(program).load()
            rc = libc.acct(None)
            os.write(w, f"{rc} {ctypes.get_errno()}".encode())
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 100).decode()
    os.waitpid(pid, 0)
    assert out == f"-1 {errno.EPERM}"
