"""Shared, expensive set-up for the autograder tests: one generated class, graded once.

The class is the test course's ps1 (``democourse.py``, beside this file): every kind of
submission it can make (correct, blank, each classic mistake, and every malformed kind) plus
random well-formed ones, 24 students in all. It is graded once by plain ``nbgrader autograde``
and once by ``autograder grade``, each in its own copy of the course.
"""
from __future__ import annotations

from pathlib import Path

import democourse
import pytest
from agtools import CELL_TIMEOUT, N_STUDENTS, NOTEBOOK_TIMEOUT, copy_course, plain_nbgrader, run_cli


@pytest.fixture(scope="session")
def released_course(tmp_path_factory) -> Path:
    """A demo course with ps1 released (gradebook created), and no submissions."""
    root = democourse.make_course(tmp_path_factory.mktemp("released"), cell_timeout=CELL_TIMEOUT)
    run_cli("release", "ps1", cwd=root)
    return root


@pytest.fixture(scope="session")
def roster() -> dict[str, str]:
    return {f"s{i:03d}": v for i, v in enumerate(democourse.class_of(N_STUDENTS, seed=7), start=1)}


@pytest.fixture(scope="session")
def class_course(released_course, roster, tmp_path_factory) -> Path:
    """The released course plus the 24 submissions (not graded)."""
    root = copy_course(released_course, tmp_path_factory.mktemp("class") / "course", [])
    made = democourse.add_submissions(root, list(roster.values()), seed=7)
    assert made == roster
    return root


@pytest.fixture(scope="session")
def nbgrader_graded(class_course, roster, tmp_path_factory) -> Path:
    """A copy of the class's well-formed submissions graded by plain ``nbgrader autograde``.

    (Plain nbgrader cannot grade the whole class: the duplicated grade id aborts its batch.)"""
    well_formed = [s for s, v in roster.items() if democourse.VARIANTS[v][0]]
    root = copy_course(class_course, tmp_path_factory.mktemp("plain") / "course", well_formed)
    done = plain_nbgrader(root)
    assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="session")
def autograded(class_course, tmp_path_factory):
    """A copy of the class graded by ``autograder grade`` with two workers: (root, stdout)."""
    root = copy_course(class_course, tmp_path_factory.mktemp("ours") / "course")
    done = run_cli("grade", "ps1", "--workers", "2", "--timeout", str(NOTEBOOK_TIMEOUT),
                   "--no-progress", cwd=root)
    return root, done.stdout
