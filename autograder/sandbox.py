"""Run untrusted code (a student's notebook or functions) in a bubblewrap sandbox with limits.

What the sandboxed process sees and may do:

- **Filesystem**: a fresh root holding only ``/usr`` (read-only), the Python installation and
  virtual environment (read-only), the project packages it is allowed (read-only), its inputs
  under ``/input`` (read-only), and a size-limited ``tmpfs`` as its working directory and
  ``/tmp``. No home directory, no instructor files, no gradebook, no other submission exists in
  its view, and nothing it writes reaches the host's disk.
- **Blocked packages**: each name in ``blocked_packages`` (by default ``nnlib`` and libraries
  that implement the same parts, such as ``torch``) is replaced by a package whose import raises
  ``ImportError``, so a submission cannot delegate to the reference.
- **Identity**: a real unprivileged user id on the host (one per sandbox, from
  ``UID_BASE + pid``), no capabilities, ``no_new_privs``.
- **Namespaces**: its own network (loopback only: no network), PID (everything it starts dies
  with it), IPC and UTS namespaces.
- **Limits** (:class:`Limits`): wall time (enforced here by killing the whole sandbox), CPU time,
  address space per process, number of processes, size of any file written, total size of the
  working tmpfs, and bytes of output read back.

The sandbox needs root (to drop to an unprivileged uid) and Debian's ``bubblewrap``; where it
cannot start, :func:`check_available` raises :class:`SandboxUnavailable` with the reason, and no
grading happens without it.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

UID_BASE = 200_000
DEFAULT_BLOCKED = ("nnlib", "torch", "tensorflow", "jax", "keras", "sklearn")
WORKDIR = "/home/student"
# Not --unshare-all: that adds a user namespace, in which the host uid we drop to is not mapped.
NAMESPACES = ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be started on this machine; the message says why and how to fix it."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run (per process where the kernel counts per process)."""

    wall_seconds: float = 300.0
    cpu_seconds: int = 300
    memory_bytes: int = 4 * 2**30  # address space of each process (numpy and BLAS reserve a lot)
    processes: int = 64
    file_bytes: int = 64 * 2**20
    workdir_bytes: int = 256 * 2**20
    output_bytes: int = 64 * 2**20


@dataclass
class SandboxResult:
    """What came back from a sandboxed run."""

    returncode: int
    stdout: bytes
    stderr: bytes
    wall_seconds: float
    timed_out: bool = False
    output_truncated: bool = False
    limit_hit: str | None = None
    notes: list[str] = field(default_factory=list)


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless bubblewrap can start a sandbox here."""
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap` "
            "(the project's `make test` and `make deps` do this)"
        )
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            f"grading must run as root so that each submission can run as its own unprivileged "
            f"user; this process has uid {os.geteuid()}"
        )
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
         "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin", *NAMESPACES,
         "--die-with-parent", "--", "/bin/true"],
        capture_output=True, text=True,
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here: {probe.stderr.strip()}")


def _blocker_dir(names) -> Path:
    """A host directory holding one stub package per blocked name, each raising ImportError."""
    root = Path(tempfile.mkdtemp(prefix="sandbox-blocked-"))
    for name in names:
        package = root / name
        package.mkdir()
        (package / "__init__.py").write_text(
            f"raise ImportError({name!r} ' is not available while grading: the part must be "
            f"implemented, not delegated to a library that already does it')\n"
        )
        os.chmod(package, 0o755)
        os.chmod(package / "__init__.py", 0o644)
    os.chmod(root, 0o755)
    return root


def _dirs_leading_to(path: Path) -> list[str]:
    """``--dir`` arguments creating each ancestor of ``path`` world-traversable (0755)."""
    args = []
    for ancestor in reversed(path.parents):
        if str(ancestor) != "/":
            args += ["--perms", "0755", "--dir", str(ancestor)]
    return args


def _python_paths() -> list[Path]:
    """The interpreter's installation and the virtual environment, to mount read-only."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    return sorted(p for p in paths if not str(p).startswith("/usr"))


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"])


def build_command(argv, *, inputs: Path | None, allowed_sources=(), blocked_dir: Path | None,
                  blocked=(), limits: Limits, uid: int, env: dict[str, str]) -> list[str]:
    """The full ``bwrap ... setpriv ... argv`` command line (exposed for inspection and tests)."""
    cmd = ["bwrap", *NAMESPACES, "--die-with-parent", "--new-session",
           "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
           "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
           "--symlink", "usr/sbin", "/sbin", "--dev", "/dev", "--proc", "/proc"]
    for etc in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/fonts", "/etc/localtime"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    for path in _python_paths():
        cmd += _dirs_leading_to(path) + ["--ro-bind", str(path), str(path)]
    for source in allowed_sources:
        source = Path(source).resolve()
        cmd += _dirs_leading_to(source) + ["--ro-bind", str(source), str(source)]
    if blocked_dir is not None:
        # First on the path, the stubs shadow any copy; an installed copy is also covered by its
        # stub, so removing the stubs from sys.path does not reveal it. (nnlib itself is an
        # editable install whose source is simply not mounted.)
        site = _site_packages()
        env = {**env, "PYTHONPATH": "/blocked"}
        cmd += ["--ro-bind", str(blocked_dir), "/blocked"]
        for name in blocked:
            if (site / name).is_dir():
                cmd += ["--ro-bind", str(blocked_dir / name), str(site / name)]
    if inputs is not None:
        cmd += ["--ro-bind", str(inputs), "/input"]
    # The tmpfs mounts are made by root before the uid is dropped, hence world-writable (the
    # sandboxed user is the only one inside).
    for scratch in (WORKDIR, "/tmp"):
        cmd += ["--size", str(limits.workdir_bytes), "--perms", "1777", "--tmpfs", scratch]
    cmd += ["--chdir", WORKDIR, "--clearenv"]
    base_env = {"HOME": WORKDIR, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
                "JUPYTER_PLATFORM_DIRS": "1"}
    for key, value in {**base_env, **env}.items():
        cmd += ["--setenv", key, value]
    cmd += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    return cmd + [str(a) for a in argv]


def _apply_limits(limits: Limits):
    def preexec():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return preexec


def _read_capped(stream, cap: int, sink: bytearray, overflow: list[bool]) -> None:
    while True:
        chunk = stream.read(65536)
        if not chunk:
            return
        room = cap - len(sink)
        if room > 0:
            sink.extend(chunk[:room])
        if len(chunk) > room:
            overflow[0] = True


def run(argv, *, inputs: Path | None = None, allowed_sources=(), blocked=DEFAULT_BLOCKED,
        limits: Limits = Limits(), env: dict[str, str] | None = None,
        stdin: bytes | None = None) -> SandboxResult:
    """Run ``argv`` in a fresh sandbox and return its exit code and (capped) output.

    Args:
        argv: the command, with paths as the sandbox sees them (the venv's python keeps its
            host path).
        inputs: a host directory mounted read-only at ``/input``.
        allowed_sources: host directories (e.g. the ``autograder`` package) mounted read-only
            at their own paths.
        blocked: package names that must not be importable inside.
    """
    check_available()
    uid = UID_BASE + os.getpid() % 100_000
    blocked_dir = _blocker_dir(blocked) if blocked else None
    cmd = build_command(argv, inputs=inputs, allowed_sources=allowed_sources,
                        blocked_dir=blocked_dir, blocked=blocked, limits=limits, uid=uid,
                        env=env or {})
    stdout, stderr, overflow = bytearray(), bytearray(), [False]
    start = time.monotonic()
    try:
        with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, preexec_fn=_apply_limits(limits)) as process:
            readers = [
                threading.Thread(target=_read_capped,
                                 args=(process.stdout, limits.output_bytes, stdout, overflow)),
                threading.Thread(target=_read_capped,
                                 args=(process.stderr, limits.output_bytes, stderr, [False])),
            ]
            for reader in readers:
                reader.start()
            try:
                if stdin:
                    process.stdin.write(stdin)
                process.stdin.close()
            except BrokenPipeError:
                pass
            timed_out = False
            try:
                returncode = process.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(process.pid, signal.SIGKILL)
                returncode = process.wait()
            for reader in readers:
                reader.join()
    finally:
        if blocked_dir is not None:
            shutil.rmtree(blocked_dir, ignore_errors=True)
    result = SandboxResult(returncode, bytes(stdout), bytes(stderr), time.monotonic() - start,
                           timed_out=timed_out, output_truncated=overflow[0])
    if timed_out:
        result.limit_hit = f"wall time over {limits.wall_seconds:g} s"
    elif returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU, -signal.SIGKILL) and \
            b"MemoryError" not in stderr:
        result.limit_hit = "CPU time or memory"
    elif overflow[0]:
        result.limit_hit = f"output over {limits.output_bytes} bytes"
    return result
