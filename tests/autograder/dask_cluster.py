"""A Dask cluster started as a department starts one: ``dask scheduler`` and ``dask worker``
processes from the command line, here bound to the loopback interface (see the instructors'
page, "Grading on a cluster"). Shared by the Dask tests and ``bench.grading --cluster``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


class LoopbackCluster:
    """A scheduler and ``workers`` single-process, single-thread workers on 127.0.0.1.

    Use as a context manager; every process is started in its own session, so that
    :meth:`kill_worker` and :meth:`kill_scheduler` can end one with its children (SIGKILL, as
    the OOM killer or a crash would)."""

    def __init__(self, folder: Path, workers: int = 2):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = workers
        self.env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.address = ""
        self.port = 0

    def __enter__(self) -> LoopbackCluster:
        try:
            self.start_scheduler()
            for _ in range(self.count):
                self.start_worker()
            if self.count:
                self.wait_for_workers(self.count)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _start(self, args: list[str], log: str) -> subprocess.Popen:
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen([str(BIN / "dask"), *args], env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)

    def start_scheduler(self, timeout: float = 60) -> str:
        """Start ``dask scheduler`` (on :attr:`port`, or a free one the first time)."""
        file = self.folder / "scheduler.json"
        file.unlink(missing_ok=True)
        self.scheduler = self._start(["scheduler", "--host", HOST, "--port", str(self.port),
                                      "--no-dashboard", "--dashboard-address", f"{HOST}:0",
                                      "--scheduler-file", str(file)], "scheduler.log")
        deadline = time.monotonic() + timeout
        while not file.exists() or not file.read_text().strip():
            if self.scheduler.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dask scheduler did not start:\n" + self.log("scheduler"))
            time.sleep(0.1)
        time.sleep(0.1)  # the file is written whole, but give the writer its moment
        self.address = json.loads(file.read_text())["address"]
        self.port = int(self.address.rsplit(":", 1)[1])
        return self.address

    def start_worker(self) -> subprocess.Popen:
        worker = self._start(["worker", self.address, "--host", HOST, "--nworkers", "1",
                              "--nthreads", "1", "--no-dashboard", "--dashboard-address",
                              f"{HOST}:0", "--name", f"worker-{len(self.workers)}"],
                             f"worker-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int, timeout: float = 120) -> None:
        from distributed import Client

        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(count, timeout=timeout)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def processes(self) -> list:
        """Every live process of the cluster (psutil), children included."""
        import psutil

        found = []
        for process in [self.scheduler, *self.workers]:
            if process is None or process.poll() is not None:
                continue
            try:
                root = psutil.Process(process.pid)
                found += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    def listening(self) -> set[str]:
        """Every "address:port" a process of the cluster listens on (TCP)."""
        import psutil

        found = set()
        for process in self.processes():
            try:
                connections = process.net_connections(kind="tcp")
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            found |= {f"{c.laddr.ip}:{c.laddr.port}" for c in connections
                      if c.status == psutil.CONN_LISTEN}
        return found

    def kill_scheduler(self) -> None:
        _kill_session(self.scheduler)

    def kill_worker(self, index: int) -> None:
        _kill_session(self.workers[index])

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in [*self.workers, self.scheduler]:
            if process is None:
                continue
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                _kill_session(process)


def _kill_session(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
