"""One ``grade`` at a time per course; Ctrl-C, even inside nbgrader's commit, ends with one line
and a problems.json that matches the gradebook; an invalid notebook's message reads right."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import democourse
from agtools import BIN, copy_course, graded_rows
from autograder.cli import main
from autograder.course import Course
from autograder.ledger import LOCK_FILE, grading_lock
from autograder.spec import Job
from autograder.worker import grade_submission

_HOLD = textwrap.dedent("""
    import sys, time
    from autograder.course import Course
    from autograder.ledger import grading_lock
    with grading_lock(Course(sys.argv[1]), "grade ps1"):
        print("locked", flush=True)
        time.sleep(600)
""")


def test_a_second_grade_stops_naming_the_first_and_a_killed_holder_frees_the_lock(
        released_course, tmp_path, capsys):
    root = copy_course(released_course, tmp_path / "course", [])
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(root)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["grade", "ps1", "--no-progress", "--course", str(root)]) == 2
        err = capsys.readouterr().err
        assert "another `autograder grade` is running on the course" in err
        assert f"(pid {holder.pid}, `autograder grade ps1`, started 20" in err
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the kernel drops the lock
        holder.wait()
        holder.stdout.close()
    course = Course(root)
    with grading_lock(course, "grade ps1"):
        assert f"pid {os.getpid()}," in (root / LOCK_FILE).read_text()


_INTERRUPT_IN_NBGRADER_COMMIT = textwrap.dedent("""
    # Ctrl-C landing inside nbgrader's commit of the second submission it records (SIGINT is
    # delivered from inside the database driver's commit, as a real Ctrl-C can be).
    import os, signal, sys, traceback
    import sqlalchemy.engine.base as base

    original = base.Connection._commit_impl
    seen = []

    def commit(self):
        if any(frame.name == "add_submission" for frame in traceback.extract_stack()):
            seen.append(1)
            if len(seen) == 2:
                os.kill(os.getpid(), signal.SIGINT)
        return original(self)

    if __name__ == "__main__":
        base.Connection._commit_impl = commit
        from autograder.cli import main
        sys.exit(main(sys.argv[1:]))
""")


def test_ctrl_c_inside_nbgrader_commit_ends_with_one_line_and_fresh_problems(
        released_course, tmp_path):
    root = copy_course(released_course, tmp_path / "course", [])
    democourse.add_submissions(root, ["invalid_json", "correct", "blank", "mse_sum"], seed=1)
    script = tmp_path / "interrupt.py"
    script.write_text(_INTERRUPT_IN_NBGRADER_COMMIT)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, str(script), "grade", "ps1", "--workers", "1",
                           "--no-progress", "--no-sandbox", "--timeout", "20"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    recorded = graded_rows(root)
    assert done.stderr.splitlines() == [f"interrupted; {len(recorded)} graded, rerun to continue"]
    assert sorted(recorded) == ["s001", "s002"]  # the one being recorded was finished first
    problems = json.loads((root / "autograded" / "problems.json").read_text())
    assert {p["student"] for p in problems} == {"s001"}  # s001's invalid JSON, recorded
    assert not (root / "autograded" / "s003").exists()


def test_an_invalid_json_notebook_is_described_without_a_doubled_word(released_course):
    spec = Course(released_course).assignment_spec("ps1")
    result = grade_submission(Job(spec, "s1", {"ps1.ipynb": b'{"cells": [{"source": "ab'}, 10))
    (problem,) = result["problems"]
    assert ("it is not valid JSON (Unterminated string starting at line 1, column 23)"
            in problem["message"])
    assert "at at" not in problem["message"]
