"""Run untrusted code (a student's notebook or functions) in a bubblewrap sandbox with limits.

What the sandboxed process sees and may do:

- **Filesystem**: a fresh root holding only ``/usr`` (read-only), the Python installation (a
  conda environment, a pyenv version), the virtual environment and, where the interpreter uses
  it, the user's site-packages folder (``pip install --user``; that folder only, nothing else of
  the home directory), all read-only, at their resolved paths and at the paths the grader
  reached them by (through symbolic links), the project packages it is allowed (read-only),
  its inputs under ``/input`` (read-only), any extra bind mounts the caller names (the
  kernel's socket folder), and a size-limited ``tmpfs`` as its working directory and ``/tmp``. No home
  directory, no instructor files, no gradebook, no other submission, no ``/sys`` and no host
  process exists in its view, and nothing it writes in its working directory reaches the
  host's disk.
- **Blocked packages**: each name in ``blocked`` (by default ``nnlib`` and libraries that
  implement the same parts, such as ``torch``) is replaced by a package whose import raises
  ``ImportError`` (:data:`BLOCKED_MESSAGE`), so a submission cannot delegate to the reference.
- **Identity**: a real unprivileged user id on the host, a fresh one for every sandbox (see
  :func:`allocate_uid`), no supplementary groups, no capabilities, ``no_new_privs``.
- **System calls**: a seccomp filter (``autograder.seccomp``, on x86-64) refuses new
  namespaces, mounts, module loading, ptrace, eBPF and the other first steps of a kernel
  exploit.
- **Namespaces**: its own network (loopback only: no network), PID (everything it starts dies
  with it), IPC and UTS namespaces.
- **Limits** (:class:`Limits`): wall time (enforced here by killing the whole sandbox), CPU
  time, address space per process, total memory of the whole sandbox (a memory cgroup, where
  this machine lets us create one), number of processes, size of any file written, total size
  of the working tmpfs, and bytes of output read back.

The sandbox needs root (to drop to an unprivileged uid) and Debian's ``bubblewrap``; where it
cannot start, :func:`check_available` raises :class:`SandboxUnavailable` with the reason, and
nothing is ever run without it.

Two ways to use it: :func:`run` runs a command to completion and returns its output;
:class:`Sandbox` prepares one (command line, user id, cgroup) for a caller that manages the
process itself, such as the sandboxed Jupyter kernel (``autograder.sandbox_kernel``).
"""
from __future__ import annotations

import itertools
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
#: What importing a blocked package raises (the grader recognises delegation by this text).
BLOCKED_MESSAGE = ("is not available while grading: the part must be implemented, not delegated "
                   "to a library that already does it")
WORKDIR = "/home/student"
# Not --unshare-all: that adds a user namespace, in which the host uid we drop to is not mapped.
NAMESPACES = ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
              "--unshare-cgroup-try")
_uid_counter = itertools.count()


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be started on this machine; the message says why and how to fix it."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run.

    ``memory_bytes`` is the address space of *each* process (RLIMIT_AS; numpy and BLAS reserve
    much more than they use, so it is generous); ``memory_total_bytes`` is the memory actually
    used by *all* the sandbox's processes together (a memory cgroup, where available).
    ``processes`` counts the sandbox user's processes and threads (RLIMIT_NPROC).
    """

    wall_seconds: float = 300.0
    cpu_seconds: int = 300
    memory_bytes: int = 4 * 2**30
    memory_total_bytes: int = 2 * 2**30
    processes: int = 64
    file_bytes: int = 64 * 2**20
    workdir_bytes: int = 256 * 2**20
    output_bytes: int = 64 * 2**20

    def __post_init__(self):
        for name in ("wall_seconds", "cpu_seconds", "memory_bytes", "memory_total_bytes",
                     "processes", "file_bytes", "workdir_bytes", "output_bytes"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive, got {value!r}")


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
    memory_peak_bytes: int | None = None  # from the memory cgroup, where there is one
    notes: list[str] = field(default_factory=list)


# --- availability -------------------------------------------------------------------------------

_available: bool = False


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless bubblewrap can start a sandbox here."""
    global _available
    if _available:
        return
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap` "
            "(the project's `make deps` does this)")
    if shutil.which("setpriv") is None:
        raise SandboxUnavailable("setpriv (util-linux) is not installed; install it with "
                                 "`apt-get install util-linux`")
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            f"grading must run as root so that each submission can run as its own unprivileged "
            f"user; this process has uid {os.geteuid()} (run the command with sudo)")
    fd = _seccomp_fd()
    try:
        probe = subprocess.run(
            ["bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
             "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin", *NAMESPACES,
             "--die-with-parent", *(["--seccomp", str(fd)] if fd is not None else []),
             "--", "/bin/true"],
            capture_output=True, text=True, pass_fds=() if fd is None else (fd,))
    finally:
        if fd is not None:
            os.close(fd)
    if probe.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot create a sandbox here: {probe.stderr.strip()}")
    _available = True


def _seccomp_fd() -> int | None:
    """A file descriptor holding the compiled seccomp filter (None where there is none)."""
    from . import seccomp

    if not seccomp.available():
        return None
    fd = os.memfd_create("autograder-seccomp", 0)
    os.write(fd, seccomp.filter_bytes())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def describe() -> str:
    """One line for logs and reports: the mechanism and what bounds memory."""
    version = subprocess.run(["bwrap", "--version"], capture_output=True, text=True).stdout.strip()
    memory = ("a memory cgroup per sandbox" if _Cgroup.supported()
              else "per-process address-space limits (no writable memory cgroup)")
    return f"{version or 'bubblewrap'}, one unprivileged user per sandbox, {memory}"


def allocate_uid() -> int:
    """A host user id for a new sandbox: distinct for every sandbox this process starts, and
    for concurrent processes (workers have different pids), so that RLIMIT_NPROC counts one
    sandbox's processes only."""
    return UID_BASE + (os.getpid() % 40_000) * 25 + next(_uid_counter) % 25


# --- memory and process cgroup -----------------------------------------------------------------

class _Cgroup:
    """A cgroup for one sandbox, nested inside this process's own cgroup (so that whatever limit
    already applies to the grader still applies): ``memory`` caps the total memory of the
    sandbox's processes and ``pids`` their number. cgroup v1 (one hierarchy per controller) and
    v2 (where the memory controller is enabled for our subtree) are supported; elsewhere the
    per-process rlimits are all there is."""

    _mounts: dict[str, tuple[str, str]] | None = None  # controller -> (mount point, version)

    def __init__(self, directories: dict[str, Path]):
        self.directories = directories  # controller -> created directory

    @classmethod
    def _find_mounts(cls) -> dict[str, tuple[str, str]]:
        if cls._mounts is None:
            found = {}
            try:
                lines = Path("/proc/self/mountinfo").read_text().splitlines()
            except OSError:
                lines = []
            for line in lines:
                left, _, right = line.partition(" - ")
                fields, tail = left.split(), right.split()
                if len(fields) < 5 or len(tail) < 3:
                    continue
                mount_point, fstype, options = fields[4], tail[0], tail[2].split(",")
                if fstype == "cgroup":
                    for controller in ("memory", "pids"):
                        if controller in options:
                            found.setdefault(controller, (mount_point, "v1"))
                elif fstype == "cgroup2":
                    found.setdefault("unified", (mount_point, "v2"))
            cls._mounts = found
        return cls._mounts

    @staticmethod
    def _own_path(controller: str) -> str | None:
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(",") or (controller == "unified"
                                                        and controllers == ""):
                return path
        return None

    @classmethod
    def _parents(cls) -> dict[str, tuple[Path, str]]:
        parents = {}
        mounts = cls._find_mounts()
        for controller in ("memory", "pids"):
            if controller in mounts:
                mount_point, _ = mounts[controller]
                own = cls._own_path(controller)
                if own is not None:
                    parent = Path(mount_point) / own.lstrip("/")
                    if os.access(parent, os.W_OK):
                        parents[controller] = (parent, "v1")
        if "memory" not in parents and "unified" in mounts:
            mount_point, _ = mounts["unified"]
            own = cls._own_path("unified")
            if own is not None:
                parent = Path(mount_point) / own.lstrip("/")
                try:
                    enabled = (parent / "cgroup.subtree_control").read_text().split()
                except OSError:
                    enabled = []
                if "memory" in enabled and os.access(parent, os.W_OK):
                    parents["memory"] = (parent, "v2")
        return parents

    @classmethod
    def supported(cls) -> bool:
        return "memory" in cls._parents()

    _swept = False

    @classmethod
    def sweep(cls) -> None:
        """Kill what is left in the cgroups of sandboxes whose grader died before cleaning up
        (their names carry the grader's pid), and remove them.

        Normally nothing is left: the sandbox dies with its grader (``PR_SET_PDEATHSIG`` on
        bubblewrap, whose ``--die-with-parent`` passes it on). But bubblewrap arms that in its
        child only after cloning it, so a grader killed within that moment leaves the child,
        and the sandbox, running; this is where it ends."""
        for controller, (parent, _) in cls._parents().items():
            try:
                entries = list(parent.glob("autograder-sandbox-*"))
            except OSError:
                continue
            for directory in entries:
                try:
                    pid = int(directory.name.split("-")[3])
                except (IndexError, ValueError):
                    continue
                if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
                    cls({controller: directory}).remove()

    @classmethod
    def create(cls, name: str, limits: Limits) -> _Cgroup | None:
        """A new cgroup named ``name`` with the limits set, or None if none can be made. Each
        controller is optional (a pids hierarchy we may not write to costs only that limit)."""
        if not cls._swept:
            cls._swept = True
            cls.sweep()
        directories = {}
        for controller, (parent, version) in cls._parents().items():
            directory = parent / name
            try:
                directory.mkdir()
            except OSError:
                continue
            try:
                cls._configure(directory, controller, version, limits)
            except OSError:
                cls({controller: directory}).remove()
                continue
            directories[controller] = directory
        return cls(directories) if directories else None

    @staticmethod
    def _configure(directory: Path, controller: str, version: str, limits: Limits) -> None:
        def write(name, value, optional=False):
            if optional and not (directory / name).exists():
                return
            (directory / name).write_text(str(value))

        if version == "v2":
            write("memory.max", limits.memory_total_bytes)
            write("memory.swap.max", 0, optional=True)
            write("pids.max", limits.processes, optional=True)
        elif controller == "memory":
            write("memory.limit_in_bytes", limits.memory_total_bytes)
            write("memory.memsw.limit_in_bytes", limits.memory_total_bytes, optional=True)
        else:
            write("pids.max", limits.processes)

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.directories.values()]

    def memory_peak(self) -> int | None:
        directory = self.directories.get("memory")
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            try:
                return int((directory / name).read_text())
            except (OSError, ValueError, TypeError):
                continue
        return None

    def out_of_memory(self) -> bool:
        """Whether the memory limit was reached (and something was refused or killed)."""
        directory = self.directories.get("memory")
        if directory is None:
            return False
        try:
            for line in (directory / "memory.events").read_text().splitlines():
                key, value = line.split()
                if key in ("max", "oom", "oom_kill") and int(value) > 0:
                    return True
        except OSError:
            pass
        try:
            if int((directory / "memory.failcnt").read_text()) > 0:
                return True
        except (OSError, ValueError):
            pass
        try:
            for line in (directory / "memory.oom_control").read_text().splitlines():
                key, value = line.split()
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def remove(self) -> None:
        """Kill anything still inside, then remove the directories (retrying while the kernel
        finishes tearing the processes down)."""
        for directory in self.directories.values():
            deadline = time.monotonic() + 5.0
            while directory.exists():
                try:
                    for pid in (directory / "cgroup.procs").read_text().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except (ProcessLookupError, ValueError):
                            pass
                    directory.rmdir()
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)


# --- the command line --------------------------------------------------------------------------

def _blocker_dir(names) -> Path:
    """A host directory holding one stub package per blocked name, each raising ImportError.

    Its content depends only on the names, so it is made once per set of names and shared by
    every sandbox (read-only inside them), in a root-owned folder under the system's temporary
    directory; it is never removed, so a killed grader leaves nothing behind."""
    import hashlib

    names = sorted(names)
    digest = hashlib.sha256(("\0".join(names) + BLOCKED_MESSAGE).encode()).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / f"autograder-blocked-{digest}"
    if root.is_dir() and root.stat().st_uid == os.geteuid():
        return root
    staging = Path(tempfile.mkdtemp(prefix="autograder-blocked-"))
    for name in names:
        package = staging / name
        package.mkdir()
        (package / "__init__.py").write_text(f"raise ImportError({name!r} ' {BLOCKED_MESSAGE}')\n")
        os.chmod(package, 0o755)
        os.chmod(package / "__init__.py", 0o644)
    os.chmod(staging, 0o755)
    try:
        os.rename(staging, root)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return root


def _dirs_leading_to(path: Path) -> list[str]:
    """``--dir`` arguments creating each ancestor of ``path`` world-traversable (0755)."""
    args = []
    for ancestor in reversed(path.parents):
        if str(ancestor) != "/":
            args += ["--perms", "0755", "--dir", str(ancestor)]
    return args


def _python_roots() -> list[Path]:
    """Where the interpreter and its packages live, as this process reached them: the
    installation (``base_prefix``, a conda environment or a pyenv version included), the
    virtual environment, and the user's site-packages folder when this interpreter uses it
    (``pip install --user``): that folder only, never the rest of the home directory."""
    roots = [Path(sys.base_prefix), Path(sys.base_exec_prefix), Path(sys.prefix),
             Path(sys.exec_prefix)]
    user_site = _user_site()
    if user_site is not None:
        roots.append(user_site)
    return [Path(os.path.abspath(root)) for root in dict.fromkeys(roots)]


def _user_site() -> Path | None:
    """The user's site-packages folder (``~/.local/lib/pythonX.Y/site-packages``, or under
    ``PYTHONUSERBASE``) if this interpreter imports from it, else None. Virtual environments
    (without system site-packages), ``python -s`` and ``PYTHONNOUSERSITE`` turn it off."""
    import site

    if not site.ENABLE_USER_SITE:
        return None
    path = Path(site.getusersitepackages())
    return path if path.is_dir() else None


def _python_paths() -> list[Path]:
    """The folders of :func:`_python_roots`, resolved, to mount read-only."""
    paths = {root.resolve() for root in _python_roots()}
    return sorted(p for p in paths if not str(p).startswith("/usr"))


def _python_mounts() -> list[tuple[Path, Path]]:
    """``(host folder, path inside)`` read-only mounts that let the interpreter start and find
    its packages inside the sandbox as it does outside.

    Each folder is mounted at its resolved path and, where the grader reached it through a
    symbolic link (a symlinked home or project folder), at the path as reached too: the
    sandbox starts ``sys.executable`` as reached, and a virtual environment's python finds its
    ``pyvenv.cfg``, hence its site-packages, beside the path it was started as (starting the
    resolved interpreter instead would lose the environment). Nothing else along the way is
    mounted: only the folders leading to those paths are created, empty."""
    mounts = {(p, p) for p in _python_paths()}
    reached = [*_python_roots(), Path(sys.executable).parent]
    for path in reached:
        path = Path(os.path.abspath(path))
        resolved = path.resolve()
        if str(path).startswith("/usr") or path == resolved:
            continue
        if any(path.is_relative_to(dest) and resolved == source / path.relative_to(dest)
               for source, dest in mounts):
            continue  # already visible there through a mount above it
        mounts.add((resolved, path))
    return sorted(mounts, key=lambda mount: str(mount[1]))


def _site_packages() -> list[Path]:
    """The site-packages folder at every path it is mounted at (see :func:`_python_mounts`)."""
    sites = [Path(sysconfig.get_paths()["purelib"])]
    user_site = _user_site()
    if user_site is not None:
        sites.append(user_site)
    return list(dict.fromkeys([path for site in sites for path in (site, site.resolve())]))


def visible_paths(allowed_sources=()) -> list[Path]:
    """Host directories a sandbox can read (besides /usr): the Python installation, the virtual
    environment and the allowed sources. A course directory must not be inside any of them."""
    return _python_paths() + [Path(s).resolve() for s in allowed_sources]


def build_command(argv, *, inputs: Path | None, allowed_sources=(), blocked_dir: Path | None,
                  blocked=(), limits: Limits, uid: int, env: dict[str, str],
                  binds=(), seccomp_fd: int | None = None) -> list[str]:
    """The full ``bwrap ... setpriv ... argv`` command line (exposed for inspection and tests).

    ``binds`` are extra ``(host_path, sandbox_path, writable)`` mounts; ``seccomp_fd`` an open
    descriptor of the compiled seccomp filter (passed to bwrap).
    """
    cmd = ["bwrap", *NAMESPACES, "--die-with-parent", "--new-session"]
    if seccomp_fd is not None:
        cmd += ["--seccomp", str(seccomp_fd)]
    cmd += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
            "--symlink", "usr/sbin", "/sbin", "--dev", "/dev", "--proc", "/proc"]
    # The scratch tmpfs mounts come before the read-only binds, so that a project that lives
    # under /tmp (a CI clone) is mounted on top of the scratch /tmp instead of hidden by it.
    # They are made by root before the uid is dropped, hence world-writable (the sandboxed user
    # is the only one inside).
    for scratch in (WORKDIR, "/tmp"):
        cmd += ["--size", str(limits.workdir_bytes), "--perms", "1777", "--tmpfs", scratch]
    for etc in ("/etc/ld.so.cache", "/etc/alternatives", "/etc/fonts", "/etc/localtime"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    for source, path in _python_mounts():
        cmd += _dirs_leading_to(path) + ["--ro-bind", str(source), str(path)]
    for source in allowed_sources:
        source = Path(source).resolve()
        cmd += _dirs_leading_to(source) + ["--ro-bind", str(source), str(source)]
    if blocked_dir is not None:
        # First on the path, the stubs shadow any copy; an installed copy is also covered by its
        # stub, so removing the stubs from sys.path does not reveal it. (nnlib itself is an
        # editable install whose source is simply not mounted.)
        env = {**env, "PYTHONPATH": "/blocked"}
        cmd += ["--ro-bind", str(blocked_dir), "/blocked"]
        for site in _site_packages():  # at each path it is mounted at: both lead to the copy
            for name in blocked:
                if (site / name).is_dir():
                    cmd += ["--ro-bind", str(blocked_dir / name), str(site / name)]
    if inputs is not None:
        cmd += ["--ro-bind", str(inputs), "/input"]
    for host, inside, writable in binds:
        cmd += _dirs_leading_to(Path(inside))
        cmd += ["--bind" if writable else "--ro-bind", str(host), str(inside)]
    cmd += ["--chdir", WORKDIR, "--clearenv"]
    base_env = {"HOME": WORKDIR, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
                "JUPYTER_PLATFORM_DIRS": "1", "PYTHONNOUSERSITE": "1"}
    user_site = _user_site()
    if user_site is not None:
        # the interpreter's packages include the user's (pip --user): the sandbox finds them
        # where the grader does (the folder is mounted read-only, HOME is not the user's)
        import site

        del base_env["PYTHONNOUSERSITE"]
        base_env["PYTHONUSERBASE"] = site.getuserbase()
    for key, value in {**base_env, **env}.items():
        cmd += ["--setenv", key, value]
    cmd += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
    return cmd + [str(a) for a in argv]


def share_read_only(root: Path) -> None:
    """Let any user read ``root`` and everything under it (the sandbox's user reads its inputs
    through a read-only bind mount; on the host the folder stays inside the grader's private
    temporary folder)."""
    os.chmod(root, 0o755)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


class Sandbox:
    """One prepared sandbox: its command line, user id and cgroup. Start it once with
    :meth:`popen`, and call :meth:`cleanup` when its process has ended (or use ``with``).

    Args:
        argv: the command, with paths as the sandbox sees them (the venv's python keeps its
            host path).
        inputs: a host directory mounted read-only at ``/input``.
        allowed_sources: host directories (e.g. the ``autograder`` package) mounted read-only
            at their own paths.
        blocked: package names that must not be importable inside.
        binds: extra ``(host_path, sandbox_path, writable)`` mounts.
    """

    def __init__(self, argv, *, inputs: Path | None = None, allowed_sources=(),
                 blocked=DEFAULT_BLOCKED, limits: Limits = Limits(),
                 env: dict[str, str] | None = None, binds=()):
        check_available()
        if inputs is not None:
            share_read_only(Path(inputs))
        self.limits = limits
        self.uid = allocate_uid()
        self.blocked_dir = _blocker_dir(blocked) if blocked else None
        self.seccomp_fd = _seccomp_fd()
        self.command = build_command(argv, inputs=inputs, allowed_sources=allowed_sources,
                                     blocked_dir=self.blocked_dir, blocked=blocked,
                                     limits=limits, uid=self.uid, env=env or {}, binds=binds,
                                     seccomp_fd=self.seccomp_fd)
        self.cgroup = _Cgroup.create(f"autograder-sandbox-{self.uid}-{os.getpid()}-"
                                     f"{next(_uid_counter)}", limits)  # see _Cgroup.sweep
        self.process: subprocess.Popen | None = None

    def _preexec(self):
        limits = self.limits
        procs = self.cgroup.procs_files() if self.cgroup else []
        prctl = _prctl()
        parent = os.getpid()

        def preexec():
            # bubblewrap kills the sandbox when it dies (--die-with-parent), but nothing kills
            # bubblewrap when the grader dies (kill -9, the pool replacing a worker): ask the
            # kernel to, and cover the case where the grader is already gone.
            if prctl is not None:
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                if os.getppid() != parent:
                    os._exit(1)
            os.setsid()
            for path in procs:  # join the cgroup before bwrap starts anything
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, str(os.getpid()).encode())
                finally:
                    os.close(fd)
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        return preexec

    def popen(self, **kwargs) -> subprocess.Popen:
        """Start the sandbox (``subprocess.Popen`` keyword arguments: the standard streams)."""
        if self.process is not None:
            raise RuntimeError("this sandbox was already started")
        try:
            self.process = subprocess.Popen(
                self.command, preexec_fn=self._preexec(), close_fds=True,
                pass_fds=() if self.seccomp_fd is None else (self.seccomp_fd,), **kwargs)
        finally:
            self._close_seccomp()
        return self.process

    def _close_seccomp(self) -> None:
        if self.seccomp_fd is not None:
            os.close(self.seccomp_fd)
            self.seccomp_fd = None

    def kill(self) -> None:
        """Kill the sandbox: bwrap and, with it, every process in its PID namespace."""
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def out_of_memory(self) -> bool:
        return self.cgroup.out_of_memory() if self.cgroup else False

    def memory_peak(self) -> int | None:
        return self.cgroup.memory_peak() if self.cgroup else None

    def cleanup(self) -> None:
        """Kill whatever is left and release the cgroup."""
        self.kill()
        self._close_seccomp()
        if self.process is not None:
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


PR_SET_PDEATHSIG = 1


def _prctl():
    """libc's prctl, loaded before forking (None where there is no such thing)."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


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
        stdin: bytes | None = None, binds=()) -> SandboxResult:
    """Run ``argv`` in a fresh sandbox and return its exit code and (capped) output.

    The arguments are :class:`Sandbox`'s; ``stdin`` is written to the program's standard input.
    """
    stdout, stderr, overflow = bytearray(), bytearray(), [False]
    start = time.monotonic()
    with Sandbox(argv, inputs=inputs, allowed_sources=allowed_sources, blocked=blocked,
                 limits=limits, env=env, binds=binds) as box:
        process = box.popen(stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
        readers = [
            threading.Thread(target=_read_capped,
                             args=(process.stdout, limits.output_bytes, stdout, overflow)),
            threading.Thread(target=_read_capped,
                             args=(process.stderr, limits.output_bytes, stderr, [False])),
        ]
        for reader in readers:
            reader.start()
        writer = threading.Thread(target=_feed, args=(process.stdin, stdin))
        writer.start()
        timed_out = False
        try:
            returncode = process.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            box.kill()
            returncode = process.wait()
        for thread in readers + [writer]:
            thread.join()
        process.stdout.close()
        process.stderr.close()
        out_of_memory = box.out_of_memory()
        peak = box.memory_peak()
        cgroup = box.cgroup is not None
    result = SandboxResult(returncode, bytes(stdout), bytes(stderr), time.monotonic() - start,
                           timed_out=timed_out, output_truncated=overflow[0],
                           memory_peak_bytes=peak)
    if not cgroup:
        result.notes.append("no memory cgroup: total memory is bounded per process only")
    if timed_out:
        result.limit_hit = f"wall time over {limits.wall_seconds:g} s"
    elif out_of_memory:
        result.limit_hit = f"memory over {limits.memory_total_bytes / 2**20:g} MiB"
    elif returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        result.limit_hit = f"CPU time over {limits.cpu_seconds} s"
    elif returncode in (-signal.SIGKILL, 128 + signal.SIGKILL) and b"MemoryError" not in stderr:
        result.limit_hit = "CPU time or memory"
    elif overflow[0]:
        result.limit_hit = f"output over {limits.output_bytes} bytes"
    return result


def _feed(pipe, data: bytes | None) -> None:
    try:
        if data:
            pipe.write(data)
    except OSError:  # the program ended without reading it all (or never started)
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass
