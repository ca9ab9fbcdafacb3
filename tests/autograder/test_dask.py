"""Grading on a Dask cluster started as departments start one (``dask scheduler`` and two
``dask worker`` processes, on loopback): the same scores as the local pool, every student graded
exactly once when a worker is killed mid-run, and a run cut short by the scheduler's loss
finished by a rerun that grades only what is left."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from agtools import BIN, copy_course, graded_rows, run_cli, scores
from dask_cluster import LoopbackCluster

pytestmark = pytest.mark.slow

GRADE = ["grade", "ps1", "--executor", "dask", "--timeout", "20", "--no-progress"]


def _one_of_each_kind(roster: dict[str, str]) -> list[str]:
    kinds = {}
    for student, variant in sorted(roster.items()):
        kinds.setdefault(variant, student)
    return sorted(kinds.values())[:10]  # one of each kind, malformed ones included


def _start_grade(root: Path, address: str):
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.Popen([sys.executable, "-m", "autograder", *GRADE, "--scheduler", address],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _kernel_running_under(pid: int) -> bool:
    try:
        return any("autograder.sandbox_kernel" in " ".join(p.cmdline())
                   for p in psutil.Process(pid).children(recursive=True))
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def _wait_until(condition, run, what: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert run.poll() is None, f"the run finished before {what}: {run.communicate()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _same_scores_as_the_local_run(root: Path, autograded) -> None:
    reference = scores(autograded[0])
    ours = scores(root)
    assert ours and all(ours[key] == reference[key] for key in ours), \
        {key: (ours[key], reference[key]) for key in ours if ours[key] != reference[key]}


def test_a_worker_killed_mid_run_costs_nothing_every_student_graded_once_as_locally(
        class_course, autograded, roster, tmp_path):
    students = _one_of_each_kind(roster)
    root = copy_course(class_course, tmp_path / "course", students)
    with LoopbackCluster(tmp_path / "cluster", workers=2) as cluster:
        listening = cluster.listening()
        assert listening and all(a.startswith("127.0.0.1:") for a in listening), listening
        run = _start_grade(root, cluster.address)
        # kill (SIGKILL, the worker and its nanny) whichever worker is inside a notebook
        _wait_until(lambda: graded_rows(root), run, "a student was graded")
        victim = []
        _wait_until(lambda: victim or victim.extend(
            i for i, w in enumerate(cluster.workers) if _kernel_running_under(w.pid)),
            run, "a worker ran a kernel")
        time.sleep(0.5)
        tree = psutil.Process(cluster.workers[victim[0]].pid)
        pids = [tree.pid] + [p.pid for p in tree.children(recursive=True)]
        cluster.kill_worker(victim[0])
        out, err = run.communicate(timeout=600)
    assert run.returncode == 0, out + err
    assert f"Graded {len(students)} submission(s)" in out, out  # each result recorded once
    assert "NOT GRADED" not in out, out
    rows = graded_rows(root)
    assert set(rows) == set(students) and len(set(rows.values())) == 1, rows  # one run
    _same_scores_as_the_local_run(root, autograded)
    leftovers = [path for pid in pids
                 for path in [*Path(tempfile.gettempdir()).glob(f"autograder-job-{pid}-*"),
                              *Path("/tmp").glob(f"agk-{pid}-*")]]
    assert leftovers == []


def test_a_run_cut_short_by_the_scheduler_is_finished_by_a_rerun_that_grades_only_the_rest(
        class_course, autograded, roster, tmp_path):
    students = _one_of_each_kind(roster)
    root = copy_course(class_course, tmp_path / "course", students)
    with LoopbackCluster(tmp_path / "cluster", workers=2) as cluster:
        run = _start_grade(root, cluster.address)
        _wait_until(lambda: len(graded_rows(root)) >= 2, run, "two students were graded")
        cluster.kill_scheduler()
        out, err = run.communicate(timeout=300)
        assert run.returncode != 0, out + err  # fails clearly, not as a success
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "lost the Dask scheduler" in lines[0], err
        first = graded_rows(root)
        assert 2 <= len(first) < len(students)

        # as a department's service manager does: the scheduler again, on the same address,
        # and the workers (a dask worker exits when its scheduler connection breaks)
        cluster.start_scheduler()
        for _ in range(2):
            cluster.start_worker()
        cluster.wait_for_workers(2)
        rerun = run_cli(*GRADE, "--scheduler", cluster.address, cwd=root)
    left = len(students) - len(first)
    assert f"Grading {left} submission(s)" in rerun.stdout, rerun.stdout
    assert f"{len(first)} already graded, skipped" in rerun.stdout, rerun.stdout
    rows = graded_rows(root)
    assert set(rows) == set(students)
    assert all(rows[student] == run_id for student, run_id in first.items())  # not regraded
    _same_scores_as_the_local_run(root, autograded)


def test_a_worker_that_cannot_sandbox_stops_grade_with_one_line_naming_it(class_course, roster,
                                                                         tmp_path):
    students = _one_of_each_kind(roster)[:2]
    root = copy_course(class_course, tmp_path / "course", students)
    with LoopbackCluster(tmp_path / "cluster", workers=0) as cluster:
        cluster.env = {**cluster.env, "PATH": BIN}  # this worker finds no bubblewrap
        cluster.start_worker()
        cluster.wait_for_workers(1)
        done = run_cli(*GRADE, "--scheduler", cluster.address, cwd=root, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "worker tcp://127.0.0.1:" in lines[0] and "bubblewrap" in lines[0], lines[0]
    assert graded_rows(root) == {}
