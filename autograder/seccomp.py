"""A seccomp filter for the sandbox: refuse the system calls an escape would start with.

bubblewrap already gives the sandbox its own mount, PID, network, IPC and UTS namespaces, an
unprivileged user and no capabilities. What is left of the kernel's surface that grading never
needs is refused here with ``EPERM`` (as Docker's default profile does), so that a submission
cannot even try the usual first steps of a kernel exploit:

- making new namespaces (``unshare``, ``setns``, ``clone`` with a ``CLONE_NEW*`` flag), in
  particular a user namespace, in which an unprivileged user becomes "root" of its own
  namespace and reaches code paths written for root;
- mounting, pivoting or chrooting; loading kernel modules or a new kernel; rebooting; swap,
  quotas, accounting, raw I/O ports, the kernel log;
- tracing or reading other processes' memory (``ptrace``, ``process_vm_readv``/``writev``),
  eBPF, perf events, ``userfaultfd``, the kernel keyring, opening files by handle.

``clone3`` gets ``ENOSYS`` instead (its flags are in memory a filter cannot read); glibc then
falls back to ``clone``, whose flags are checked. System calls of another architecture (32-bit
``int 0x80`` on x86-64) are refused too, so the list cannot be sidestepped.

:func:`filter_bytes` returns the compiled classic-BPF program bubblewrap loads with
``--seccomp FD``; it is written out by hand (no libseccomp), for x86-64 only. On another
architecture there is no filter, and :func:`available` says so.
"""
from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
# The namespace flags of clone(2): NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000

#: x86-64 system calls refused with EPERM (name -> number).
REFUSED_X86_64 = {
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
    "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "init_module": 175, "finit_module": 313, "delete_module": 176, "kexec_load": 246,
    "kexec_file_load": 320, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163,
    "quotactl": 179, "ioperm": 173, "iopl": 172, "syslog": 103,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "keyctl": 250, "add_key": 248, "request_key": 249,
    "open_by_handle_at": 304, "name_to_handle_at": 303,
}
CLONE = 56
CLONE3 = 435

# Classic BPF opcodes.
_LD_W_ABS = 0x20       # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15          # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35          # BPF_JMP | BPF_JGE | BPF_K
_JSET_K = 0x45         # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06          # BPF_RET | BPF_K
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_SECCOMP_RET_KILL_PROCESS = 0x80000000
# Offsets in struct seccomp_data: nr, arch, instruction pointer, then six 64-bit arguments.
_NR, _ARCH, _ARG0_LOW = 0, 4, 16


def available() -> bool:
    """Whether this machine gets the filter (x86-64 only)."""
    return platform.machine() in ("x86_64", "AMD64")


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def filter_bytes() -> bytes:
    """The compiled filter (a sequence of ``struct sock_filter``), see the module docstring."""
    if not available():
        raise RuntimeError(f"the seccomp filter is written for x86-64, not {platform.machine()}")
    refuse = _SECCOMP_RET_ERRNO | errno.EPERM
    numbers = sorted(set(REFUSED_X86_64.values()))
    program = [
        _op(_LD_W_ABS, _ARCH),
        _op(_JEQ_K, AUDIT_ARCH_X86_64, jt=1, jf=0),
        _op(_RET_K, _SECCOMP_RET_KILL_PROCESS),
        _op(_LD_W_ABS, _NR),
        _op(_JGE_K, X32_SYSCALL_BIT, jt=0, jf=1),
        _op(_RET_K, _SECCOMP_RET_ERRNO | errno.EPERM),
    ]
    tail = [
        _op(_JEQ_K, CLONE3, jt=0, jf=1),                 # clone3: ENOSYS (glibc falls back)
        _op(_RET_K, _SECCOMP_RET_ERRNO | errno.ENOSYS),
        _op(_JEQ_K, CLONE, jt=0, jf=2),                  # clone: look at its flags
        _op(_LD_W_ABS, _ARG0_LOW),
        _op(_JSET_K, CLONE_NEW_FLAGS, jt=1, jf=0),       # a new namespace: refuse
        _op(_RET_K, _SECCOMP_RET_ALLOW),
        _op(_RET_K, refuse),                             # every refused call jumps here
    ]
    # One comparison per refused call; a match jumps over the rest to the final "refuse".
    for index, number in enumerate(numbers):
        after = len(numbers) - index - 1
        program.append(_op(_JEQ_K, number, jt=after + len(tail) - 1, jf=0))
    return b"".join(program + tail)
