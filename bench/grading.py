"""Grading a class: plain ``nbgrader autograde`` against ``autograder grade``, in the same run.

Run from the repository root::

    python -m bench.grading [--students 100] [--workers N]

It generates the demo course (``autograder.demo``: three autograded parts in one notebook),
releases it, and writes ``--students`` well-formed submissions (correct, blank, each classic
mistake, and random mixtures). Three identical copies of the course are then graded, one after
the other: by ``nbgrader autograde ps1`` (one notebook at a time), by ``autograder grade ps1``
(``--workers`` processes, default one per core), and by ``autograder grade ps1 --fresh-kernels``
(the same, but every kernel started as a new Python process rather than forked from a warm one).

Printed per tool: the wall time, the wall time per notebook, the throughput, the speed-up over
nbgrader, and the *overhead per notebook*: the time a worker spends on a notebook beyond running
its code (wall time x workers / notebooks, minus the mean time the kernel spent executing the
notebook's cells, read from nbclient's timing metadata in the graded notebooks). Then whether
every score in the three gradebooks is identical.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import demo

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
    for path in sorted((root / "autograded").glob("*/ps1/ps1.ipynb")):
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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    n = args.students
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = demo.make_course(Path(tmp) / "base")
        subprocess.run([sys.executable, "-m", "autograder", "release", "ps1"], cwd=base,
                       env=ENV, check=True, capture_output=True)
        demo.add_submissions(base, demo.class_of(n, malformed=False, seed=1), seed=1)
        runs = {
            "nbgrader autograde": ([os.path.join(BIN, "nbgrader"), "autograde", "ps1"], 1),
            "autograder grade": ([sys.executable, "-m", "autograder", "grade", "ps1",
                                  "--workers", str(args.workers), "--no-progress"], args.workers),
            "autograder grade --fresh-kernels": (
                [sys.executable, "-m", "autograder", "grade", "ps1", "--workers",
                 str(args.workers), "--no-progress", "--fresh-kernels"], args.workers),
        }
        rows, scores = [], {}
        for name, (command, workers) in runs.items():
            root = Path(tmp) / name.replace(" ", "_")
            shutil.copytree(base, root)
            print(f"grading {n} notebooks: {name} ...", flush=True)
            wall = _timed(command, root)
            scores[name] = _scores(root)
            execution = _execution_seconds(root)
            rows.append((name, workers, wall, execution))

    baseline = rows[0][2]
    reference = scores["nbgrader autograde"]
    header = (f"{'tool':<34} {'workers':>7} {'wall s':>8} {'s/notebook':>10} {'notebooks/s':>11} "
              f"{'speed-up':>8} {'overhead s/nb':>13}")
    print(f"\n{n} submissions of one assignment (3 autograded parts), {os.cpu_count()} cores")
    print(header)
    print("-" * len(header))
    results = {}
    for name, workers, wall, execution in rows:
        overhead = wall * workers / n - execution
        print(f"{name:<34} {workers:>7} {wall:>8.1f} {wall / n:>10.3f} {n / wall:>11.2f} "
              f"{baseline / wall:>7.2f}x {overhead:>13.3f}")
        results[name] = {"wall": wall, "speedup": baseline / wall, "overhead": overhead}
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
