"""Where ``grade_submission`` runs: a local pool of worker processes, or a Dask cluster.

An executor takes Jobs and yields ``(job, result)`` pairs as each finishes, in any order. It never
raises for a bad submission: a worker that dies or overruns its limit yields a Result that says
so (a problem of a kind in ``spec.NOT_GRADED_KINDS``: the submission is recorded as not graded),
its temporary folders are removed, and the pool carries on.

``LocalExecutor`` (the default) runs ``workers`` long-lived processes (one per core by default),
each grading one submission at a time, each notebook in its own temporary folder and kernel. The
parent watches every job: one that runs past ``job.timeout * notebooks + grace`` seconds has its
worker and kernel killed and the worker replaced. Workers die with the parent (Linux
``PR_SET_PDEATHSIG``), their kernel fork servers when their worker does (end of input), and
kernels when their parent does (ipykernel's parent poller), so a ``kill -9`` of the command
leaves nothing running.

``DaskExecutor`` sends the same Jobs to a ``dask.distributed`` scheduler (for classes that outgrow
one machine); the workers need this package installed, nothing else: a Job carries its files.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from multiprocessing.connection import wait
from typing import Iterable, Iterator

from .spec import Job

#: Seconds a job may take beyond its notebooks' time limits (kernel start-up, sanitizing, the
#: in-worker watchdog) before the local pool kills it.
GRACE = 30.0


def hard_limit(job: Job) -> float:
    """Each notebook runs twice when sandboxed: in its kernel and, side by side with it, its
    checked parts in isolation (``autograder.trusted``), each within ``job.timeout``; the bound
    allows for the two one after the other."""
    runs = 2 if job.sandbox else 1
    return job.timeout * runs * max(1, len(job.assignment.notebooks)) + GRACE


def _set_parent_death_signal() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the worker notices a closed pipe instead
        pass


def _serve(conn, kernel_pid, parent_pid) -> None:
    """A worker process: grade Jobs received on ``conn`` until told to stop (None) or orphaned."""
    _set_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from .startup import skip_iri_parsers

    skip_iri_parsers()
    from . import preprocessors
    from .worker import failed_result, grade_submission

    def remember(pid):
        kernel_pid.value = pid

    preprocessors.kernel_started_hook = remember
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, job = message
        try:
            result = grade_submission(job)
        except BaseException:  # noqa: BLE001 - report, never take the pool down
            result = failed_result(job, "grader-crashed", "the grader crashed:\n"
                                   + traceback.format_exc(limit=8))
        kernel_pid.value = 0
        conn.send((index, result))


class _Slot:
    def __init__(self, context):
        self.context = context
        self.process = None
        self.conn = None
        self.kernel_pid = None
        self.job = None  # (index, job) while busy
        self.started = 0.0

    def ensure_running(self) -> None:
        if self.process is not None and self.process.is_alive():
            return
        parent, child = self.context.Pipe()
        self.kernel_pid = self.context.Value("i", 0, lock=False)
        self.process = self.context.Process(target=_serve,
                                            args=(child, self.kernel_pid, os.getpid()),
                                            daemon=True, name="autograder-worker")
        self.process.start()
        child.close()
        self.conn = parent

    def send(self, index: int, job: Job) -> None:
        self.ensure_running()
        self.job = (index, job)
        self.started = time.monotonic()
        self.conn.send((index, job))

    def kill(self) -> None:
        """Kill the worker and its kernel's whole process group."""
        pid = self.kernel_pid.value if self.kernel_pid is not None else 0
        if pid > 0:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
            from .worker import remove_leftovers

            remove_leftovers(self.process.pid)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn, self.job = None, None, None

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive() and self.job is None:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(5)
        self.kill()


class LocalExecutor:
    """A pool of ``workers`` grading processes on this machine (default: one per core)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")

    def describe(self) -> str:
        return f"{self.workers} local worker process{'es' if self.workers != 1 else ''}"

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict]]:
        from .worker import failed_result

        # "spawn": each worker is a direct child of this process, so PR_SET_PDEATHSIG kills it
        # when this process dies. (A forkserver would outlive us: its children keep its
        # "alive" pipe open, and it is their parent.)
        context = multiprocessing.get_context("spawn")
        queue = deque(enumerate(jobs))
        slots = [_Slot(context) for _ in range(min(self.workers, max(1, len(queue))))]
        try:
            while True:
                for slot in slots:
                    if slot.job is None and queue:
                        slot.send(*queue.popleft())
                busy = [s for s in slots if s.job is not None]
                if not busy:
                    return
                waitables = [s.conn for s in busy] + [s.process.sentinel for s in busy]
                ready = set(wait(waitables, timeout=0.5))
                for slot in busy:
                    index, job = slot.job
                    if slot.conn in ready:
                        try:
                            got_index, result = slot.conn.recv()
                        except (EOFError, OSError):
                            code = slot.process.exitcode if slot.process else None
                            slot.kill()
                            yield job, failed_result(job, "worker-died", "the grading process "
                                                     f"died (exit code {code})")
                            continue
                        slot.job = None
                        if queue:  # the worker's next job, before the result is recorded
                            slot.send(*queue.popleft())
                        yield job, result
                    elif slot.process.sentinel in ready:
                        code = slot.process.exitcode
                        slot.kill()
                        yield job, failed_result(job, "worker-died", "the grading process died "
                                                 f"(exit code {code}), for example out of memory")
                    elif time.monotonic() - slot.started > hard_limit(job):
                        slot.kill()
                        yield job, failed_result(job, "grader-time-limit", "grading did not "
                                                 f"finish in {hard_limit(job):g} s; the worker "
                                                 "and its kernel were killed")
        finally:
            for slot in slots:
                slot.stop()


class DaskExecutor:
    """Grade on a Dask distributed cluster: the scheduler at ``scheduler`` (``tcp://host:8786``),
    or, without an address, a ``LocalCluster`` of ``workers`` single-threaded processes.

    Before any job is sent, every worker runs the pre-flight (``autograder.preflight``: a
    trivial notebook through its own sandbox); one that cannot stops the command with one line
    naming it. A worker that joins later runs it before its first job, and a worker that fails
    it reports its jobs as not graded. Each job first removes what killed grading processes
    left in the worker's temporary folder. A worker that dies mid-job: Dask sends the job to
    another worker (up to ``distributed.scheduler.allowed-failures`` times, then it is recorded
    as not graded); a lost scheduler ends the run with :class:`SchedulerLost`, after everything
    finished so far is recorded.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        self.scheduler = scheduler
        self.workers = int(workers or os.cpu_count() or 1)

    def describe(self) -> str:
        return (f"Dask scheduler {self.scheduler}" if self.scheduler
                else f"a local Dask cluster of {self.workers} processes")

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, dict]]:
        from distributed import Client, LocalCluster, as_completed

        from .worker import failed_result, remove_orphaned_leftovers

        import logging

        # A lost scheduler is reported by SchedulerLost, in one line; not by the client's log too.
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        futures = {}
        jobs = list(jobs)
        try:
            if any(job.sandbox for job in jobs):
                # Every worker must be able to sandbox, or nothing is graded (never unsandboxed).
                preflight_every_worker(client)
            for job in jobs:
                futures[client.submit(grade_on_dask_worker, job, pure=False,
                                      key=f"grade-{job.assignment.name}-{job.student}-"
                                          f"{os.urandom(4).hex()}")] = job
            for future in as_completed(list(futures)):
                job = futures.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - a lost worker, a crash
                    if client.status != "running" or _scheduler_gone(client):
                        raise SchedulerLost(
                            f"lost the Dask scheduler {self.scheduler or '(local cluster)'} "
                            f"({type(error).__name__}); {len(futures) + 1} submission(s) were "
                            "not graded: run the same command again to grade them") from None
                    result = failed_result(job, "worker-died", f"the Dask task failed: "
                                           f"{type(error).__name__}: {error}")
                yield job, result
        finally:
            if futures:
                try:
                    client.cancel(list(futures))
                except Exception:  # noqa: BLE001 - the scheduler may be gone
                    pass
            try:  # a worker killed mid-job left its folders; its replacement may get no job
                client.run(remove_orphaned_leftovers)
            except Exception:  # noqa: BLE001 - best effort: each job sweeps them too
                pass
            client.close()
            if cluster is not None:
                cluster.close()


class SchedulerLost(RuntimeError):
    """The Dask scheduler went away mid-run; what finished is recorded, a rerun grades the rest."""


def _scheduler_gone(client) -> bool:
    try:
        client.scheduler_info()
    except Exception:  # noqa: BLE001 - any failure to reach it
        return True
    return False


def preflight_every_worker(client) -> None:
    """Run the pre-flight on every worker of ``client``'s cluster, all at once; raise
    ``preflight.PreflightFailed`` (one line naming each failing worker) unless all pass."""
    from distributed.comm import CommClosedError

    from .preflight import PreflightFailed
    from .spec import first_line

    outcomes = client.run(_prepare_off_the_event_loop, on_error="return")
    # A worker that went away meanwhile is not a failing one: if it comes back, it runs the
    # pre-flight before its first job (grade_on_dask_worker).
    outcomes = {address: (f"{type(why).__name__}: {first_line(why)}"
                          if isinstance(why, BaseException) else why)
                for address, why in outcomes.items()
                if not isinstance(why, (CommClosedError, OSError))}
    if not outcomes:
        raise PreflightFailed("the Dask scheduler has no workers, so nothing was graded; start "
                              "some with `dask worker SCHEDULER-ADDRESS`")
    failing = {address: why for address, why in outcomes.items() if why}
    if failing:
        raise PreflightFailed(f"{len(failing)} of {len(outcomes)} Dask worker(s) cannot grade, "
                              "so nothing was graded: "
                              + "; ".join(f"worker {address}: {why}"
                                          for address, why in sorted(failing.items())))


#: Whether this process (a Dask worker) passed the pre-flight.
_worker_ready = False


def prepare_dask_worker() -> str:
    """On a Dask worker: remove killed graders' leftovers, compile the sandbox's sources, and
    run the pre-flight; "" if this worker can grade, else why not in one line.

    The pre-flight runs in a thread of its own: the kernel client runs an event loop of its
    own, which cannot nest in a running one."""
    global _worker_ready
    from .grading import compile_sandbox_sources
    from .preflight import check
    from .sandbox import check_available
    from .spec import first_line
    from .worker import remove_orphaned_leftovers

    def prepare() -> None:
        remove_orphaned_leftovers()
        check_available()
        compile_sandbox_sources()
        check()

    import socket
    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="preflight") as pool:
            pool.submit(prepare).result()
    except Exception as error:  # noqa: BLE001 - the answer is the message
        return f"on {socket.gethostname()}: {first_line(error)}"
    _worker_ready = True
    return ""


async def _prepare_off_the_event_loop() -> str:
    """:func:`prepare_dask_worker` in a thread, so that the worker keeps answering the
    scheduler meanwhile (``client.run`` awaits a coroutine function on the worker's loop)."""
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, prepare_dask_worker)


def grade_on_dask_worker(job: Job) -> dict:
    """``grade_submission`` as a Dask task: first remove what killed grading processes left
    behind; on a worker that has not passed the pre-flight (it joined after the run began),
    run it, and report the job as not graded if it fails."""
    from .worker import failed_result, grade_submission, remove_orphaned_leftovers

    remove_orphaned_leftovers()
    if job.sandbox and not _worker_ready:
        why = prepare_dask_worker()
        if why:
            return failed_result(job, "kernel-failed", f"this Dask worker cannot grade: {why}")
    return grade_submission(job)


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None):
    """The executor named ``kind`` ("local" or "dask")."""
    if kind == "local":
        if scheduler:
            raise ValueError("--scheduler is only for --executor dask")
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise ValueError(f"unknown executor {kind!r}; expected 'local' or 'dask'")
