"""A Jupyter kernel that runs inside the sandbox (``autograder.sandbox``), for grading.

nbclient drives the kernel exactly as usual; only where the kernel process lives changes.
``SandboxedKernelManager`` is jupyter_client's ``AsyncKernelManager`` with three differences:

* the kernel talks over **Unix sockets** (ZeroMQ's ``ipc`` transport) in a private folder that
  is the only host folder the sandbox may write to, because the sandbox has no network, not
  even the host's loopback;
* its provisioner launches ``python -m autograder.sandbox_kernel -f CONNECTION_FILE`` under
  bubblewrap instead of ``python -m ipykernel_launcher``: the sandbox sees the submission's
  files read-only at ``/input``, and this module, run as a program inside it, copies them into
  the kernel's working folder (a size-limited tmpfs) before becoming an ordinary IPython
  kernel; the sandbox gets a fresh unprivileged user, a memory cgroup and the other limits;
* interrupts are sent as ``interrupt_request`` messages (the kernel leads its own session
  inside the sandbox, out of reach of a signal to bubblewrap).

Killing the kernel kills bubblewrap, and with it every process the notebook started (they all
live in the sandbox's PID namespace). Only python3 kernels run by this same interpreter can be
sandboxed; any other kernelspec is refused with a clear error rather than run unsandboxed.

Which host folders the kernel may read, the limits and the blocked packages are set by the
grader on the manager as ``km.sandbox_options`` (a :class:`KernelSandbox`, see :func:`for_job`)
before it starts. A grading kernel may import nnlib (the test cells compare with it, for the
learner's feedback); the scores of those cells come from ``autograder.trusted``, which runs
without it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Largest message the grader accepts from a kernel (a bigger one is dropped by ZeroMQ).
MAX_MESSAGE_BYTES = 64 * 2**20


@dataclass
class KernelSandbox:
    """How to sandbox one kernel: the submission's folder (read-only at /input), host folders
    it may read (the packages the notebook imports), blocked packages and limits."""

    inputs: Path
    allowed_sources: tuple = ()
    blocked: tuple = ()
    limits: object = None  # autograder.sandbox.Limits
    env: dict = field(default_factory=dict)


def _manager_classes():
    """Define the kernel manager and provisioner (jupyter_client is imported only by the grader
    side, not when this module runs as the launcher inside the sandbox)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    from . import sandbox

    class SandboxedProvisioner(LocalProvisioner):
        """LocalProvisioner whose kernel process is bubblewrap around the kernel."""

        box = None

        async def launch_kernel(self, cmd, **kwargs):
            km = self.parent
            options: KernelSandbox = km.sandbox_options
            if not (len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]
                    and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)):
                raise RuntimeError(f"only python3 kernels run by {sys.executable} can be "
                                   f"sandboxed; this notebook's kernel command is {cmd[:3]}")
            argv = [sys.executable, "-m", "autograder.sandbox_kernel", *cmd[3:]]
            self.box = sandbox.Sandbox(
                argv, inputs=options.inputs, allowed_sources=options.allowed_sources,
                blocked=options.blocked, limits=options.limits or sandbox.Limits(),
                env=dict(options.env), binds=[(km.socket_dir, km.socket_dir, True)])
            # The kernel (the sandbox's user) creates its sockets in the folder and reads the
            # connection file; nobody else but root can enter the folder.
            os.chown(km.socket_dir, self.box.uid, self.box.uid)
            os.chown(km.connection_file, self.box.uid, self.box.uid)
            process = self.box.popen(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            self.process = process
            self.pid = process.pid
            self.pgid = process.pid  # bubblewrap leads its own session (setsid before exec)
            self.cwd = "/home/student"
            return self.connection_info

        async def kill(self, restart: bool = False) -> None:
            if self.box is not None:
                self.box.kill()
            await super().kill(restart=restart)

        async def cleanup(self, restart: bool = False) -> None:
            await super().cleanup(restart=restart)
            if self.box is not None:
                self.box.cleanup()
                self.box = None

    class SandboxedKernelManager(AsyncKernelManager):
        """nbclient's kernel manager with the kernel inside the sandbox (see the module)."""

        sandbox_options: KernelSandbox | None = None

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            # Short, private, and removed with the manager: Unix socket paths are limited to
            # about 100 characters.
            _sweep_socket_dirs()
            self.socket_dir = tempfile.mkdtemp(prefix=_socket_dir_prefix(os.getpid()),
                                               dir="/tmp")
            self.transport = "ipc"
            self.ip = os.path.join(self.socket_dir, "k")
            self.connection_file = os.path.join(self.socket_dir, "kernel.json")
            import zmq
            import zmq.asyncio

            # The kernel is untrusted: a giant message is dropped instead of filling memory.
            for context in (self.context, zmq.asyncio.Context.instance()):
                context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)

        @property
        def kernel_spec(self):
            spec = super().kernel_spec
            if spec is not None:
                spec.interrupt_mode = "message"
            return spec

        async def _async_pre_start_kernel(self, **kw):
            if self.sandbox_options is None:
                raise RuntimeError("SandboxedKernelManager.sandbox_options must be set before "
                                   "the kernel starts")
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            self.provisioner.__class__ = SandboxedProvisioner
            return cmd, kw

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            self.release()

        # jupyter_client binds the public name to its own coroutine function, not ours.
        cleanup_resources = _async_cleanup_resources

        def release(self) -> None:
            """Kill the sandbox if it still runs and free what it held (its cgroup, its socket
            folder). jupyter_client cleans up only kernels it shuts down itself, not one that
            died or was killed, so the grader calls this when the notebook is done."""
            provisioner = self.provisioner
            if provisioner is not None and getattr(provisioner, "box", None) is not None:
                provisioner.box.cleanup()
                provisioner.box = None
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    return SandboxedKernelManager, SandboxedProvisioner


def kernel_sources() -> tuple[Path, ...]:
    """What a grading kernel may read of this repository: the checks the test cells import
    (with the course content they read), this launcher, and nnlib (public: the course's book
    imports it). Not the rest of ``autograder``."""
    import importlib.util

    from . import content

    sources = [*content.checks_sources(), Path(__file__).resolve()]
    spec = importlib.util.find_spec("nnlib")
    if spec is not None and spec.submodule_search_locations:
        sources.append(Path(list(spec.submodule_search_locations)[0]).resolve())
    return tuple(sources)


def for_job(job, inputs: Path) -> KernelSandbox:
    """How to sandbox the kernel of one submission's notebooks: limits from the job's time."""
    from . import sandbox

    return grading_kernel(inputs, sandbox.Limits(wall_seconds=job.timeout + 60,
                                                 cpu_seconds=int(job.timeout) + 30))


def grading_kernel(inputs: Path, limits) -> KernelSandbox:
    """A grading kernel's sandbox: the submission's files (``inputs``) read-only, the packages
    the notebooks import, torch and friends blocked, ``limits``."""
    from . import sandbox

    return KernelSandbox(inputs=Path(inputs), allowed_sources=kernel_sources(),
                         blocked=tuple(b for b in sandbox.DEFAULT_BLOCKED if b != "nnlib"),
                         limits=limits, env={"NBGRADER_EXECUTION": "autograde"})


def _socket_dir_prefix(pid: int) -> str:
    """The name of the socket folders of the kernels that grading process ``pid`` starts."""
    return f"agk-{pid}-"


def _sweep_socket_dirs() -> None:
    """Remove the socket folders of kernels whose grader died (named after its pid)."""
    for folder in Path("/tmp").glob("agk-*-*"):
        try:
            pid = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            remove_socket_dirs(pid)


def remove_socket_dirs(pid: int) -> None:
    """Remove the socket folders of grading process ``pid``'s kernels (it was killed)."""
    for folder in Path("/tmp").glob(_socket_dir_prefix(pid) + "*"):
        shutil.rmtree(folder, ignore_errors=True)


_classes = None


def kernel_manager_class():
    """``SandboxedKernelManager`` (defined on first use)."""
    global _classes
    if _classes is None:
        _classes = _manager_classes()
    return _classes[0]


# --------------------------------------------------------------------------------------------
# Inside the sandbox: python -m autograder.sandbox_kernel -f CONNECTION_FILE [kernel options]

def _copy_inputs(source: Path, target: Path) -> None:
    """Copy the submission's files (read-only at /input) into the writable working folder."""
    if source.is_dir():
        for entry in source.iterdir():
            destination = target / entry.name
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, destination, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copy2(entry, destination, follow_symlinks=False)


def main() -> None:
    _copy_inputs(Path("/input"), Path.cwd())
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does: the kernel puts its own cwd back
    sys.argv = ["ipykernel_launcher", *sys.argv[1:]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
