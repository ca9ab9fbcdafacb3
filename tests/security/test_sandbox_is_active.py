"""Proof that the sandbox is really active: the same submission reads a planted secret when it
is graded without the sandbox, and cannot when ``autograder grade`` grades it (as it does the
whole corpus, in ``graded_corpus``). Without the sandbox the second assertion would fail."""
from __future__ import annotations

import json

import pytest
from attack_corpus import ASSIGNMENT

from autograder.course import Course
from autograder.worker import grade_submission

pytestmark = pytest.mark.slow

ATTACK = "read-planted-secret"


def _outputs(executed: str) -> str:
    return json.dumps([cell.get("outputs", []) for cell in json.loads(executed)["cells"]])


def test_the_planted_secret_is_read_only_without_the_sandbox(graded_corpus):
    ctx = graded_corpus.ctx
    assert ctx.secret_path.read_text().strip() == ctx.secret_token  # it is there to be read

    course = Course(graded_corpus.course)
    job = course.job(course.assignment_spec(ASSIGNMENT), ATTACK, timeout=60)
    job.sandbox, job.fork_kernels = False, False
    unsandboxed = grade_submission(job)["notebooks"][ASSIGNMENT]["executed"]
    assert ctx.secret_token in _outputs(unsandboxed)

    sandboxed = (graded_corpus.course / "autograded" / ATTACK / ASSIGNMENT /
                 f"{ASSIGNMENT}.ipynb").read_text()
    assert ctx.secret_token not in _outputs(sandboxed)
    assert "planted secret: refused" in _outputs(sandboxed)
