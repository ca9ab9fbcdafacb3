"""Helpers shared by the autograder tests (imported as ``agtools``).

The fixtures in conftest.py build one generated class, graded once.

The class is the test course's ps1 (``democourse.py``, beside this file): every kind of
submission it can make (correct, blank, each classic mistake, and every malformed kind) plus
random well-formed ones, 24 students in all. It is graded once by plain ``nbgrader autograde``
and once by ``autograder grade``, each in its own copy of the course.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

N_STUDENTS = 24
CELL_TIMEOUT = 5  # nbgrader's per-cell limit in the generated course (keeps the endless loop short)
NOTEBOOK_TIMEOUT = 20.0
BIN = str(Path(sys.executable).parent)


def run_cli(*args, cwd=None, check=True, timeout=600):
    """Run ``python -m autograder ARGS`` in a subprocess; return the CompletedProcess."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} exited {done.returncode}:\n"
                             f"{done.stdout}\n{done.stderr}")
    return done


def scores(course: Path) -> dict[tuple[str, str], float | None]:
    """{(student, grade id): auto_score} straight from a gradebook's tables."""
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute(
            "select sa.student_id, bc.name, g.auto_score from grade g "
            "join submitted_notebook sn on g.notebook_id = sn.id "
            "join submitted_assignment sa on sn.assignment_id = sa.id "
            "join base_cell bc on g.cell_id = bc.id").fetchall()
    return {(student, name): score for student, name, score in rows}


def graded_rows(course: Path) -> dict[str, str]:
    """{student: run_id} from the autograder's completion table."""
    with sqlite3.connect(course / "gradebook.db") as db:
        try:
            return dict(db.execute("select student, run_id from autograder_graded").fetchall())
        except sqlite3.OperationalError:  # the table does not exist yet
            return {}


def copy_course(source: Path, dest: Path, students: list[str] | None = None) -> Path:
    """A copy of a released course with (some of) its submissions and a fresh gradebook
    holding only the release."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("submitted", "autograded",
                                                                "feedback", "reports"))
    for student in students if students is not None else sorted(os.listdir(source / "submitted")):
        shutil.copytree(source / "submitted" / student, dest / "submitted" / student)
    return dest


def plain_nbgrader(root: Path) -> subprocess.CompletedProcess:
    """Run ``nbgrader autograde ps1`` in ``root``."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([os.path.join(BIN, "nbgrader"), "autograde", "ps1"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)
