"""An interrupted run (kill -9) loses nothing and grades nothing twice when rerun."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import psutil
import pytest

import democourse
from agtools import BIN, copy_course, graded_rows, run_cli, scores

pytestmark = pytest.mark.slow


def _carries(process, marker: str) -> bool:
    try:
        return process.environ().get("AUTOGRADER_TEST_MARKER") == marker
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def _spinning(marker: str) -> list[int]:
    """The kernels of the marked run that have used more than a second of CPU in user mode (a
    kernel in the endless loop; nothing else in the run does that so fast). A sandboxed kernel
    starts with a clean environment, so the marker is looked for in its ancestors too."""
    found = []
    for process in psutil.process_iter():
        try:
            command = " ".join(process.cmdline())
            if (("autograder.kernels" in command or "autograder.sandbox_kernel" in command)
                    and process.cpu_times().user > 1.0
                    and any(_carries(p, marker) for p in [process] + process.parents())):
                found.append(process.pid)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return found


def _marked(marker: str) -> list[tuple[int, list[str]]]:
    """Live processes whose environment carries ``marker``."""
    found = []
    for process in psutil.process_iter():
        try:
            if (process.environ().get("AUTOGRADER_TEST_MARKER") == marker
                    and process.status() != psutil.STATUS_ZOMBIE):
                found.append((process.pid, process.cmdline()[:4]))
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return found


def test_kill_minus_9_then_rerun_grades_exactly_the_rest(class_course, autograded, roster,
                                                         tmp_path):
    students = [s for s, v in sorted(roster.items()) if democourse.VARIANTS[v][0]][:12]
    root = copy_course(class_course, tmp_path / "course", students)
    # a notebook stuck in a loop that ignores interrupts, graded right after the third student,
    # so that the kill finds its kernel busy: a kernel that outlived the run would keep spinning
    release = json.loads((root / "release" / "ps1" / "ps1.ipynb").read_text())
    stuck = democourse.answered(release, {p: "correct" for p in democourse.ANSWERS})
    for cell in stuck["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "relu_grad":
            cell["source"] += ("\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                               "while True:\n    pass\n")
    (root / "submitted" / "s003z" / "ps1").mkdir(parents=True)
    (root / "submitted" / "s003z" / "ps1" / "ps1.ipynb").write_text(json.dumps(stuck))
    students = sorted(students + ["s003z"])
    marker = f"kill-test-{uuid.uuid4().hex}"  # inherited by every process the run starts
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
           "AUTOGRADER_TEST_MARKER": marker}
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "ps1", "--workers", "1",
                            "--no-progress"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    # kill it after three results, while the endless loop is running
    while len(graded_rows(root)) < 3 or not _spinning(marker):
        assert run.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline, "no results recorded in time"
        time.sleep(0.1)
    stuck_kernels = _spinning(marker)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    done_before = graded_rows(root)
    assert 3 <= len(done_before) < len(students)

    # workers, the kernel fork server and kernels all go with it (kernels poll their parent
    # once a second); the stuck kernel would otherwise spin until the worker kills it (>= 5 s)
    deadline = time.monotonic() + 5
    while (_marked(marker) or any(psutil.pid_exists(p) for p in stuck_kernels)) \
            and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not _marked(marker), f"processes outlived the killed run: {_marked(marker)}"
    assert not [p for p in stuck_kernels if psutil.pid_exists(p)], "the stuck kernel outlived it"

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
    final = scores(root)
    for (student, part), value in final.items():
        if student != "s003z":
            assert value == reference[(student, part)], (student, part)
    # the stuck notebook: its kernel was killed in the loop; only the part before it counts
    assert [final[("s003z", p)] for p in ("test_sigmoid", "test_relu_grad", "test_mse")] == \
        [2.0, 0.0, 0.0]


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(class_course, roster, tmp_path):
    students = [s for s, v in sorted(roster.items()) if democourse.VARIANTS[v][0]][:6]
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
    assert re.fullmatch(r"interrupted; \d+ graded, rerun to continue", err.strip()), err
    assert (root / "autograded" / "problems.json").exists()
    done_before = graded_rows(root)
    rerun = run_cli("grade", "ps1", "--no-progress", cwd=root)
    assert f"Grading {len(students) - len(done_before)} submission(s)" in rerun.stdout
    assert set(graded_rows(root)) == set(students)
