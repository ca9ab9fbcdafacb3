"""A grading failure that is not the student's doing never becomes a silent zero: the command
stops before grading anyone, or the submission stays ungraded until a rerun grades it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import democourse
import pytest
from agtools import BIN, copy_course, graded_rows, scores

from autograder import cli, sandbox

pytestmark = pytest.mark.slow


def _one_correct(class_course, roster, dest: Path) -> tuple[Path, str]:
    student = next(s for s, v in sorted(roster.items()) if v == "correct")
    return copy_course(class_course, dest, [student]), student


def test_a_sandbox_that_cannot_run_a_trivial_notebook_stops_grade_before_anyone_is_graded(
        class_course, roster, tmp_path, monkeypatch, capsys):
    root, _ = _one_correct(class_course, roster, tmp_path / "course")
    # as when the interpreter is not visible inside the sandbox (issue 16)
    monkeypatch.setattr(sandbox, "_python_mounts", lambda: [])
    code = cli.main(["grade", "ps1", "--course", str(root), "--no-progress", "--workers", "1"])
    captured = capsys.readouterr()
    assert code != 0
    error = captured.err.strip().splitlines()
    assert len(error) == 1 and "cannot run a trivial notebook" in error[0], captured.err
    assert "kernel" in error[0] and "trusted run" in error[0]
    assert graded_rows(root) == {}
    assert not any(score is not None for score in scores(root).values())


def test_a_grader_reached_through_a_symbolic_link_grades_honest_work_in_full(
        class_course, roster, tmp_path):
    root, student = _one_correct(class_course, roster, tmp_path / "course")
    link = tmp_path / "home" / "venv"
    link.parent.mkdir()
    link.symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    env = {**os.environ, "PATH": str(link / "bin") + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run([str(link / "bin" / "python"), "-m", "autograder", "grade", "ps1",
                           "--workers", "1", "--no-progress"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problems found" in done.stdout, done.stdout
    assert set(graded_rows(root)) == {student}
    assert all(value and value > 0 for (who, part), value in scores(root).items()
               if who == student and part.startswith("test_")), scores(root)
