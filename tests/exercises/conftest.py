"""The graded course: one temporary nbgrader course per test session, graded once.

``graded_course`` (session) copies ``exercises/source`` and ``exercises/nbgrader_config.py`` into
a temporary directory and runs the real nbgrader commands there:

1. ``nbgrader generate_assignment "*"``: every assignment (creates release/ and gradebook.db);
2. writes the submissions of ``exercise_tools.submissions_for`` (solution, blank, warning and one
   per known mistake) into ``submitted/<student>/<a>/``;
3. ``nbgrader autograde <a>`` once per assignment for all its students, then
   ``nbgrader generate_feedback`` for the submissions with mistakes; alongside (the machine
   has two cores), ``nbgrader validate`` on every source notebook and ``jupyter nbconvert
   --execute`` on every released notebook, as a learner would run it.

The many small tests then only read the results (the gradebook, the graded notebooks, the logs).
Nothing is written inside the repository.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from exercise_tools import ASSIGNMENT_NAMES, EXERCISES, read, submissions_for

COMMAND_TIMEOUT = 1200


@dataclass
class CommandResult:
    args: list[str]
    returncode: int
    output: str
    seconds: float

    def describe(self) -> str:
        return (f"$ {' '.join(self.args)}\n(exit {self.returncode} after {self.seconds:.0f} s)\n"
                f"{self.output[-6000:]}")


@dataclass
class GradedCourse:
    """The graded temporary course; see the module docstring."""

    root: Path
    students: dict[str, list[str]] = field(default_factory=dict)
    commands: dict[str, CommandResult] = field(default_factory=dict)

    def release(self, assignment: str) -> nbformat.NotebookNode:
        return read(self.root / "release" / assignment / f"{assignment}.ipynb")

    def release_text(self, assignment: str) -> str:
        return (self.root / "release" / assignment / f"{assignment}.ipynb").read_text()

    def executed_release(self, assignment: str) -> nbformat.NotebookNode:
        return read(self.root / "executed-release" / f"{assignment}.ipynb")

    def autograded(self, assignment: str, student: str) -> nbformat.NotebookNode:
        return read(self.root / "autograded" / student / assignment / f"{assignment}.ipynb")

    def feedback_html(self, assignment: str, student: str) -> str:
        return (self.root / "feedback" / student / assignment / f"{assignment}.html").read_text()

    def grades(self, assignment: str, student: str) -> dict[str, dict]:
        """Grade cell id -> score, max_score, auto_score, needs_manual_grade (from the gradebook)."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(assignment, assignment, student)
            return {grade.name: {"score": grade.score, "max_score": grade.max_score,
                                 "auto_score": grade.auto_score,
                                 "needs_manual_grade": grade.needs_manual_grade}
                    for grade in submission.grades}


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # nbgrader runs `alembic` by name, and the kernel must be this interpreter's.
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONWARNINGS", None)
    return env


def _run(args: list[str], cwd: Path) -> CommandResult:
    start = time.monotonic()
    completed = subprocess.run(args, cwd=cwd, env=_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=COMMAND_TIMEOUT)
    return CommandResult(args, completed.returncode, completed.stdout, time.monotonic() - start)


def _nbgrader(*args: str) -> list[str]:
    return [sys.executable, "-m", "nbgrader", *args]


@pytest.fixture(scope="session")
def graded_course(tmp_path_factory) -> GradedCourse:
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(EXERCISES / "source", root / "source")
    shutil.copy(EXERCISES / "nbgrader_config.py", root / "nbgrader_config.py")
    course = GradedCourse(root)

    result = _run(_nbgrader("generate_assignment", "*"), root)  # every assignment in source/
    course.commands["generate_assignment"] = result
    if result.returncode != 0:
        pytest.fail(f"generate_assignment failed:\n{result.describe()}")

    for assignment in ASSIGNMENT_NAMES:
        students = submissions_for(assignment, course.release(assignment))
        course.students[assignment] = list(students)
        for student, notebook in students.items():
            path = root / "submitted" / student / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(notebook, str(path))

    # The commands that write the gradebook run one after the other (sqlite and concurrent
    # writers do not mix); validating the sources and running the releases, which do not touch
    # it, run alongside.
    gradebook_jobs = {f"autograde {a}": _nbgrader("autograde", a) for a in ASSIGNMENT_NAMES}
    gradebook_jobs["generate_feedback"] = _nbgrader("generate_feedback", "*", "--student=mistakes-*")
    other_jobs = {
        "validate": _nbgrader("validate", *[f"source/{a}/{a}.ipynb" for a in ASSIGNMENT_NAMES]),
        "execute release": [
            sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
            "--allow-errors", "--ExecutePreprocessor.timeout=120", "--output-dir",
            "executed-release", *[f"release/{a}/{a}.ipynb" for a in ASSIGNMENT_NAMES]],
    }

    def run_in_order(jobs):
        return {name: _run(args, root) for name, args in jobs.items()}

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = [pool.submit(run_in_order, jobs) for jobs in (gradebook_jobs, other_jobs)]
    for future in done:
        course.commands.update(future.result())
    (root / "command-times.txt").write_text(
        "".join(f"{r.seconds:6.1f} s  {name}\n" for name, r in course.commands.items()))
    return course
