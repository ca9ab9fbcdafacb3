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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=1,
                        help="run each tool this many times, interleaved; report the median")
    parser.add_argument("--assignment", default="activations",
                        help="an exercise (default: activations), or ps1 for the test course")
    args = parser.parse_args(argv)
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
