"""Start each grading kernel by forking a warm process instead of starting Python afresh.

Starting an IPython kernel costs about a second of CPU, nearly all of it importing ipykernel,
IPython, zmq and tornado; for a short exercise notebook that is most of the grading time. Each
worker process therefore keeps one *kernel fork server*: a small single-threaded Python process
(``python -m autograder.kernels``) that has imported ipykernel and nothing else, holds no zmq
context and no threads, and forks a new kernel for every notebook. The child becomes exactly what
``python -m ipykernel_launcher -f CONNECTION_FILE`` would be: its own session and process group,
the notebook's working directory and environment, standard streams on /dev/null, the same
arguments. Each notebook still gets its own fresh kernel process; what it shares with the others
is only the read-only, copy-on-write memory of the already imported kernel modules.

It is used only when the notebook's kernelspec runs ``ipykernel_launcher`` with this same Python
(the usual ``python3`` kernel); any other kernel is started the normal way. ``ForkingKernelManager``
is nbclient's ``AsyncKernelManager`` with that one change to how the process is launched;
interrupts, restarts, shutdown and kill go through jupyter_client's ``LocalProvisioner`` as usual.

The fork server exits when its worker closes the pipe (or dies), and its kernels exit when the
server does (ipykernel polls its parent), so nothing outlives a killed run.

It serves only ``autograder grade --no-sandbox`` (a sandboxed kernel starts inside its own
sandbox). Measured there (2026-12, 2 cores, 2 workers, 40 submissions, runs interleaved, on a
machine shared with other work; ``--fresh-kernels`` turns it off): the test course
(tests/autograder/democourse.py) took 26.1 s with it against 38.5 s without (medians of 3;
32% less), the activations exercise 42.1 s against 50.6 s (medians of 3, noisier; 17% less,
fastest runs 22.1 s against 29.1 s). The scores were identical.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner


class ForkServer:
    """The worker-side handle of one ``python -m autograder.kernels`` process."""

    _instance: ForkServer | None = None
    _lock = threading.Lock()

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.kernels"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
            cwd="/", close_fds=True)
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            raise RuntimeError(f"the kernel fork server did not start (said {ready!r})")

    @classmethod
    def get(cls) -> ForkServer:
        """This process's fork server, started on first use (and again if it died)."""
        with cls._lock:
            if cls._instance is None or cls._instance.process.poll() is not None:
                cls._instance = ForkServer()
            return cls._instance

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> int:
        """Fork a kernel running ``ipykernel_launcher argv`` in ``cwd``; return its pid."""
        with self._lock:
            self.process.stdin.write(json.dumps({"argv": argv, "cwd": cwd, "env": env}) + "\n")
            self.process.stdin.flush()
            reply = json.loads(self.process.stdout.readline() or "{}")
        if "pid" not in reply:
            raise RuntimeError(f"the kernel fork server could not fork: {reply.get('error', reply)}")
        return int(reply["pid"])


class ForkedProcess:
    """The parts of ``subprocess.Popen`` that jupyter_client uses, for a kernel that is the fork
    server's child rather than ours (the server reaps it; we watch its pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None and not _alive(self.pid):
            self.returncode = -signal.SIGKILL if _was_killed(self.pid) else 1
        return self.returncode

    def wait(self, timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        try:
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie the server has not reaped yet is dead
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _was_killed(pid: int) -> bool:
    return False  # the exit status belongs to the server; jupyter_client only needs "not None"


def forkable(cmd: list[str]) -> list[str] | None:
    """The ipykernel arguments of ``cmd`` if it is ``<this python> -m ipykernel_launcher ...``."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]:
        try:
            same = os.path.samefile(cmd[0], sys.executable)
        except OSError:
            same = False
        if same:
            return list(cmd[3:])
    return None


class ForkingProvisioner(LocalProvisioner):
    """LocalProvisioner whose ``launch_kernel`` forks from the fork server."""

    async def launch_kernel(self, cmd, **kwargs):
        argv = forkable(cmd)
        if argv is None:
            return await super().launch_kernel(cmd, **kwargs)
        server = ForkServer.get()
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(server.process.pid)  # the kernel exits when the server does
        cwd = str(kwargs.get("cwd") or os.getcwd())
        pid = server.fork(argv, cwd, env)
        self.process = ForkedProcess(pid)
        self.pid = pid
        self.pgid = pid  # the child called setsid() before the server replied
        self.cwd = cwd
        return self.connection_info


class ForkingKernelManager(AsyncKernelManager):
    """nbclient's kernel manager, launching python3 kernels through the fork server."""

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if type(self.provisioner) is LocalProvisioner and forkable(kernel_cmd) is not None:
            self.provisioner.__class__ = ForkingProvisioner
        return await super()._async_launch_kernel(kernel_cmd, **kw)


# --------------------------------------------------------------------------------------------
# The fork server itself (python -m autograder.kernels)

def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _child(request: dict, started) -> None:
    """In the forked child: become ``python -m ipykernel_launcher ARGV``; never returns."""
    code = 1
    try:
        os.setsid()
        os.close(started)  # tells the server that the new session exists
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
        from ipykernel import kernelapp

        # ipykernel reads JPY_PARENT_PID into the default of IPKernelApp.parent_handle when the
        # module is imported, which here happened before this kernel's environment existed: pass
        # it explicitly, so that the kernel's parent poller makes it exit when the server dies.
        code = 0
        kernelapp.IPKernelApp.launch_instance(
            parent_handle=int(request["env"].get("JPY_PARENT_PID") or 0))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - the kernel's own failure; exit like a crashed kernel
        code = 1
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
        finally:
            os._exit(code)


def serve() -> None:
    """Read one JSON request per line on stdin, fork a kernel for each, reply with its pid."""
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]  # as ipykernel_launcher does: the kernel adds its own cwd back
    import ipykernel.kernelapp  # noqa: F401 - the expensive import every kernel shares
    import ipykernel.ipkernel  # noqa: F401

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, _reap)
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            Path(request["cwd"]).resolve(strict=True)
        except (ValueError, KeyError, OSError) as error:
            out.write(json.dumps({"error": f"bad request: {error}"}) + "\n")
            out.flush()
            continue
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _child(request, write_end)
        os.close(write_end)
        os.read(read_end, 1)  # returns when the child has its own session (or has died)
        os.close(read_end)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


if __name__ == "__main__":
    serve()
