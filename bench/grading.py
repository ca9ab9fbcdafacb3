"""Grading a class: plain ``nbgrader autograde`` against ``autograder grade``, in the same run.

Run from the repository root (as root: grading sandboxes every notebook)::

    python -m bench.grading [--students 100] [--workers N] [--assignment activations] [--repeats 1]

By default it copies one of the course's exercises (``--assignment activations``, or any other
in exercises/source/), releases it, and writes ``--students`` well-formed submissions made by
``autograder.practice``: the instructor's solution, the blank release, and the solution with
each known mistake (``autograder.mistakes``), in turn. Its test cells are ``check`` calls, so
``autograder grade`` also scores each of them in isolation (``autograder.trusted``). With
``--assignment ps1`` it grades the test course instead (tests/autograder/democourse.py: three
parts in one notebook, tested with plain asserts, so every score comes from the notebook run),
with correct, blank, classic-mistake and mixed submissions.

Three identical copies of the course are then graded, one after the other (``--repeats`` times,
interleaved; the table gives the median and the fastest wall time): by ``nbgrader
autograde`` (one notebook at a time), by ``autograder grade`` (``--workers`` processes, default
one per core; every kernel in its own sandbox, checked cells scored in isolation), and by
``autograder grade --no-sandbox`` (the same pool, kernels forked from a warm process, scores from
the notebook run, as nbgrader's).

Printed per tool: the wall time, the wall time per notebook, the throughput, the speed-up over
nbgrader, and the *overhead per notebook*: the time a worker spends on a notebook beyond running
its code (wall time x workers / notebooks, minus the mean time the kernel spent executing the
notebook's cells, read from nbclient's timing metadata in the graded notebooks). Then the
sandbox's cost per notebook (the difference between the two ``autograder grade`` runs, in worker
time), and whether the scores agree with nbgrader's. On an exercise they are identical unless a
submission earns points in the notebook that it does not earn in isolation; on the test course
they must be identical.

``--cluster`` compares executors instead, on a class made by ``autograder.practice``
(``practice_class``: the correct answer, the blank release, each broken kind and the bank's known
mistakes, mixed; default 1,000 students): ``autograder grade --executor dask`` on a real cluster
(``dask scheduler`` and ``--workers`` ``dask worker`` processes on loopback, started as the
instructors' page shows) against the named baseline ``autograder grade --workers N`` (the local
pool, same number of processes). Printed per run: the wall time, notebooks per second, and the
peak memory of everything grading runs in (the resident memory of the command, the scheduler
and the workers with all their children, kernels and sandboxes included, summed and sampled
every half second; shared pages count once per process, so it overstates what a machine needs),
and whether the two runs' scores agree.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.grading import compile_sandbox_sources
from autograder.practice import PracticeAssignment

REPO = Path(__file__).resolve().parents[1]
BIN = str(Path(sys.executable).parent)
ENV = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}


def _scores(root: Path) -> dict:
    with sqlite3.connect(root / "gradebook.db") as db:
        return dict(((s, n), v) for s, n, v in db.execute(
            "select sa.student_id, bc.name, g.auto_score from grade g "
            "join submitted_notebook sn on g.notebook_id = sn.id "
            "join submitted_assignment sa on sn.assignment_id = sa.id "
            "join base_cell bc on g.cell_id = bc.id"))


def _execution_seconds(root: Path) -> float:
    """Mean time per notebook between each cell's execute_input and execute_reply."""
    totals = []
    for path in sorted((root / "autograded").glob("*/*/*.ipynb")):
        total = 0.0
        for cell in json.loads(path.read_text())["cells"]:
            timing = cell.get("metadata", {}).get("execution", {})
            start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
            if start and end:
                total += (datetime.datetime.fromisoformat(end.replace("Z", "+00:00"))
                          - datetime.datetime.fromisoformat(start.replace("Z", "+00:00"))
                          ).total_seconds()
        totals.append(total)
    return sum(totals) / len(totals) if totals else 0.0


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def _exercise_course(root: Path, assignment: str, n: int) -> int:
    """A course with one of the exercises released and ``n`` practice submissions; returns its
    number of autograded test cells."""
    source = REPO / "exercises" / "source" / assignment
    if not source.is_dir():
        raise SystemExit(f"no exercise {assignment!r} in exercises/source/")
    shutil.copytree(source, root / "source" / assignment)
    shutil.copy(REPO / "exercises" / "nbgrader_config.py", root)
    subprocess.run([sys.executable, "-m", "autograder", "release", assignment], cwd=root,
                   env=ENV, check=True, capture_output=True)
    practice = PracticeAssignment(root, assignment)
    kinds = [practice.correct(), practice.blank()] + practice.mistakes()
    for i in range(n):
        folder = root / "submitted" / f"s{i + 1:03d}" / assignment
        folder.mkdir(parents=True)
        for name, data in kinds[i % len(kinds)].notebooks.items():
            (folder / name).write_bytes(data)
    tests = 0
    for nb in practice.releases.values():
        for cell in nb["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            tests += bool(meta.get("grade") and not meta.get("solution"))
    return tests


def _test_course(root: Path, n: int) -> int:
    """The test course (tests/autograder/democourse.py) released, with ``n`` well-formed
    submissions; returns its number of autograded test cells."""
    sys.path.insert(0, str(REPO / "tests" / "autograder"))
    import democourse  # the test course holds its answers, so it lives with the tests

    democourse.make_course(root)
    subprocess.run([sys.executable, "-m", "autograder", "release", democourse.ASSIGNMENT],
                   cwd=root, env=ENV, check=True, capture_output=True)
    democourse.add_submissions(root, democourse.class_of(n, malformed=False, seed=1), seed=1)
    return len(democourse.PART_POINTS)


class _PeakMemory:
    """The largest total resident memory of some process trees, sampled in a thread."""

    def __init__(self, roots, interval: float = 0.5):
        import threading

        self.roots, self.interval, self.peak = roots, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _total(self) -> int:
        import psutil

        total, seen = 0, set()
        for root in self.roots():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
            for process in tree:
                if process.pid in seen:
                    continue
                seen.add(process.pid)
                try:
                    total += process.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
        return total

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._total())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _measured(command: list[str], cwd: Path, others=lambda: []) -> tuple[float, int, str]:
    """Run ``command``; its wall time, the peak memory of it and of ``others()`` (psutil
    processes, with their children), and its output."""
    import psutil

    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    me = psutil.Process(process.pid)
    with _PeakMemory(lambda: [me, *others()]) as memory:
        out, err = process.communicate()
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n"
                           f"{out[-2000:]}\n{err[-2000:]}")
    return elapsed, memory.peak, out


def cluster_main(args) -> dict:
    """``--cluster``: the Dask executor on a loopback cluster against the local pool."""
    sys.path.insert(0, str(REPO / "tests" / "autograder"))
    from dask_cluster import LoopbackCluster  # the cluster the tests start, started the same way

    from autograder.practice import practice_class

    n, assignment, workers = args.students, args.assignment, args.workers
    compile_sandbox_sources()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        base = Path(tmp) / "base"
        _exercise_course(base, assignment, 0)
        kinds = {}
        for student, submission in practice_class(base, assignment, n, seed=1).items():
            kinds[submission.kind] = kinds.get(submission.kind, 0) + 1
            folder = base / "submitted" / student / assignment
            folder.mkdir(parents=True)
            for name, data in submission.notebooks.items():
                (folder / name).write_bytes(data)
        print(f"{n} submissions of {assignment}: "
              + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())), flush=True)
        grade = [sys.executable, "-m", "autograder", "grade", assignment, "--no-progress"]
        header = (f"{'executor':<44} {'wall s':>8} {'notebooks/s':>11} {'vs baseline':>11} "
                  f"{'peak MiB':>9}")
        baseline = f"local pool, {workers} processes (baseline)"
        runs = [f"Dask, scheduler + {workers} workers on loopback", baseline]
        rows, scores, results = {}, {}, {}
        for name in runs:  # the cluster first: with a class this size, its figure matters most
            root = Path(tmp) / name.split(",")[0].replace(" ", "_")
            shutil.copytree(base, root)
            print(f"grading: {name} ...", flush=True)
            if name == baseline:
                rows[name] = _measured(grade + ["--workers", str(workers)], root)
            else:
                with LoopbackCluster(Path(tmp) / "cluster", workers) as cluster:
                    rows[name] = _measured(grade + ["--executor", "dask", "--scheduler",
                                                    cluster.address], root, cluster.processes)
            scores[name] = _scores(root)
            shutil.rmtree(root)
            wall, peak, _ = rows[name]
            print(f"  {name}: {wall:.1f} s, {n / wall:.2f} notebooks/s, peak {peak / 2**20:.0f} "
                  "MiB", flush=True)
            results[name] = {"wall": wall, "peak_bytes": peak}
    print(f"\n{n} submissions of {assignment}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the end")
    print(header)
    print("-" * len(header))
    for name in [baseline] + [r for r in runs if r != baseline]:
        wall, peak, _ = rows[name]
        print(f"{name:<44} {wall:>8.1f} {n / wall:>11.2f} {rows[baseline][0] / wall:>10.2f}x "
              f"{peak / 2**20:>9.0f}")
    identical = all(got == scores[baseline] for got in scores.values())
    print(f"\nScores identical in both runs ({len(scores[baseline])} graded parts): "
          f"{'yes' if identical else 'NO'}")
    results["identical"] = identical
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", action="store_true",
                        help="compare a loopback Dask cluster with the local pool instead")
    parser.add_argument("--students", type=int, default=None,
                        help="submissions to grade (default: 100; 1000 with --cluster)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=1,
                        help="run each tool this many times, interleaved; report the median")
    parser.add_argument("--assignment", default="activations",
                        help="an exercise (default: activations), or ps1 for the test course")
    args = parser.parse_args(argv)
    if args.students is None:
        args.students = 1000 if args.cluster else 100
    if args.cluster:
        return cluster_main(args)
    n, assignment = args.students, args.assignment
    compile_sandbox_sources()  # as autograder grade does; nbgrader's kernels read them too
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp) / "base"
        if assignment == "ps1":
            parts = _test_course(base, n)
        else:
            parts = _exercise_course(base, assignment, n)
        grade = [sys.executable, "-m", "autograder", "grade", assignment, "--workers",
                 str(args.workers), "--no-progress"]
        runs = {
            "nbgrader autograde": ([os.path.join(BIN, "nbgrader"), "autograde", assignment], 1),
            "autograder grade": (grade, args.workers),
            "autograder grade --no-sandbox": (grade + ["--no-sandbox"], args.workers),
        }
        walls = {name: [] for name in runs}
        executions, scores = {name: [] for name in runs}, {}
        for repeat in range(args.repeats):  # interleaved, so a slow spell hits every tool
            for name, (command, workers) in runs.items():
                root = Path(tmp) / name.replace(" ", "_")
                shutil.copytree(base, root)
                print(f"grading {n} notebooks: {name} (run {repeat + 1} of {args.repeats}) ...",
                      flush=True)
                walls[name].append(_timed(command, root))
                got = _scores(root)
                if name in scores and got != scores[name]:
                    print(f"  {name}: the scores differ from its first run's")
                scores.setdefault(name, got)
                executions[name].append(_execution_seconds(root))
                shutil.rmtree(root)

    wall = {name: statistics.median(values) for name, values in walls.items()}
    baseline = wall["nbgrader autograde"]
    reference = scores["nbgrader autograde"]
    header = (f"{'tool':<34} {'workers':>7} {'wall s':>8} {'min s':>7} {'s/notebook':>10} "
              f"{'notebooks/s':>11} {'speed-up':>8} {'overhead s/nb':>13}")
    print(f"\n{n} submissions of {assignment} ({parts} autograded test cells), "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
          f"wall: the median of {args.repeats} run(s)")
    print(header)
    print("-" * len(header))
    results = {}
    for name, (_, workers) in runs.items():
        overhead = wall[name] * workers / n - statistics.median(executions[name])
        print(f"{name:<34} {workers:>7} {wall[name]:>8.1f} {min(walls[name]):>7.1f} "
              f"{wall[name] / n:>10.3f} {n / wall[name]:>11.2f} {baseline / wall[name]:>7.2f}x "
              f"{overhead:>13.3f}")
        results[name] = {"wall": wall[name], "walls": walls[name],
                         "speedup": baseline / wall[name], "overhead": overhead}
    sandboxed, unsandboxed = wall["autograder grade"], wall["autograder grade --no-sandbox"]
    sandbox_cost = (sandboxed - unsandboxed) * args.workers / n
    print(f"\nThe sandbox (and scoring in isolation) costs {sandbox_cost:.3f} s of worker time "
          f"per notebook ({sandboxed:.1f} s against {unsandboxed:.1f} s without it).")
    results["sandbox cost per notebook"] = sandbox_cost
    identical = all(scores[name] == reference for name in scores)
    graded = sum(v is not None for v in reference.values())
    print(f"\nScores identical to nbgrader's on all {len(reference)} graded parts "
          f"({graded} scored): {'yes' if identical else 'NO'}")
    for name in scores:
        differing = [k for k in reference if scores[name].get(k) != reference[k]]
        if differing:
            print(f"  {name}: {len(differing)} differ, e.g. {differing[:5]}")
    results["identical"] = identical
    return results


if __name__ == "__main__":
    main()
