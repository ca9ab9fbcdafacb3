"""An interrupted run (kill -9) loses nothing and grades nothing twice when rerun."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from autograder import demo

from agtools import BIN, copy_course, graded_rows, run_cli, scores

pytestmark = pytest.mark.slow


def test_kill_minus_9_then_rerun_grades_exactly_the_rest(class_course, autograded, roster,
                                                         tmp_path):
    students = [s for s, v in sorted(roster.items()) if demo.VARIANTS[v][0]][:12]
    root = copy_course(class_course, tmp_path / "course", students)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "ps1", "--workers", "1",
                            "--no-progress"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    family = set()
    while len(graded_rows(root)) < 3:
        assert run.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline, "no results recorded in time"
        try:
            family |= {p.pid for p in psutil.Process(run.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    family |= {p.pid for p in psutil.Process(run.pid).children(recursive=True)}
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    done_before = graded_rows(root)
    assert 3 <= len(done_before) < len(students)

    # workers, fork server and kernels all go with it
    deadline = time.monotonic() + 20
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
              for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [p for p in family if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes outlived the killed run: {alive}"

    rerun = run_cli("grade", "ps1", "--no-progress", cwd=root)
    remaining = len(students) - len(done_before)
    assert f"Grading {remaining} submission(s)" in rerun.stdout
    assert f"{len(done_before)} already graded, skipped" in rerun.stdout
    after = graded_rows(root)
    assert set(after) == set(students)
    for student, run_id in done_before.items():
        assert after[student] == run_id  # not graded again
    assert len({after[s] for s in students if s not in done_before}) == 1
    reference = scores(autograded[0])
    for key, value in scores(root).items():
        assert value == reference[key], key


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(class_course, roster, tmp_path):
    students = [s for s, v in sorted(roster.items()) if demo.VARIANTS[v][0]][:6]
    root = copy_course(class_course, tmp_path / "course", students)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    # a session of its own, so that "Ctrl-C" (SIGINT to the whole foreground group) reaches
    # every process the command started, as in a terminal
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "ps1", "--workers", "1",
                            "--no-progress"], cwd=root, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 180
    while len(graded_rows(root)) < 2:
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGINT)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, (out, err)
    assert "run the same command again" in err
    assert (root / "autograded" / "problems.json").exists()
    done_before = graded_rows(root)
    rerun = run_cli("grade", "ps1", "--no-progress", cwd=root)
    assert f"Grading {len(students) - len(done_before)} submission(s)" in rerun.stdout
    assert set(graded_rows(root)) == set(students)
