"""The data that crosses the process boundary: what to grade (a Job) and what came out (a Result).

Grading one submission is a pure function ``grade_submission(job) -> result`` (see
``autograder.worker``). A Job carries everything the function needs, as plain data: the
assignment's master copy (every nbgrader cell's id, type, checksum, source and points, as the
gradebook stores them when the assignment is released), the nbgrader configuration, the bytes of
every submitted file, and the time limit. Nothing in it points at the course directory or the
gradebook, so the function can run in another process, under a sandbox, or on another machine
(Dask). The Result is JSON-compatible plain data (no pickled objects), so that a parent process
never has to unpickle anything produced next to untrusted code.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceCell:
    """A cell nbgrader tracks (solution, grade, task or locked), as released."""

    name: str
    cell_type: str
    locked: bool
    source: str
    checksum: str | None


@dataclass(frozen=True)
class GradeCell:
    """A cell that earns points: an autograded test cell, or a manually graded answer."""

    name: str
    max_score: float
    cell_type: str


@dataclass(frozen=True)
class NotebookSpec:
    """The master copy of one notebook of an assignment."""

    name: str
    kernelspec: str | None  # JSON text, as the gradebook stores it
    source_cells: tuple[SourceCell, ...]  # in notebook order
    grade_cells: tuple[GradeCell, ...]
    solution_cells: tuple[str, ...]
    task_cells: tuple[GradeCell, ...]

    def source_cell(self, name: str) -> SourceCell:
        for cell in self.source_cells:
            if cell.name == name:
                return cell
        raise KeyError(name)

    def grade_cell(self, name: str) -> GradeCell:
        for cell in self.grade_cells:
            if cell.name == name:
                return cell
        raise KeyError(name)

    @property
    def max_score(self) -> float:
        return sum(c.max_score for c in self.grade_cells) + sum(c.max_score for c in self.task_cells)


@dataclass(frozen=True)
class AssignmentSpec:
    """Everything about an assignment that grading needs, independent of any student.

    ``extra_files`` are the non-notebook files of the instructor's source folder (data files,
    helper modules); like nbgrader, grading copies them over the student's versions.
    ``config`` is the nbgrader configuration (a ``traitlets.config.Config``) that shapes the
    preprocessors (``Execute.timeout``, ``LimitOutput.max_lines``, ...).
    """

    name: str
    notebooks: tuple[NotebookSpec, ...]
    extra_files: dict[str, bytes] = field(default_factory=dict)
    config: Any = None

    def notebook(self, name: str) -> NotebookSpec:
        for nb in self.notebooks:
            if nb.name == name:
                return nb
        raise KeyError(name)

    @property
    def max_score(self) -> float:
        return sum(nb.max_score for nb in self.notebooks)

    def fingerprint(self) -> str:
        """A hash of everything that decides a score, so a changed assignment is regraded."""
        digest = hashlib.sha256()
        for nb in self.notebooks:
            payload = {k: v for k, v in asdict(nb).items()}
            digest.update(json.dumps(payload, sort_keys=True, default=str).encode())
        for path in sorted(self.extra_files):
            digest.update(path.encode() + b"\0" + hashlib.sha256(self.extra_files[path]).digest())
        return digest.hexdigest()


@dataclass
class Job:
    """One student's submission of one assignment, ready to grade anywhere."""

    assignment: AssignmentSpec
    student: str
    files: dict[str, bytes]  # path relative to the submission folder -> content
    timeout: float  # seconds for each notebook, from kernel start to the last cell
    problems: list[dict] = field(default_factory=list)  # found while collecting the files
    fork_kernels: bool = True  # start kernels from a warm fork server (autograder.kernels)
    # run each notebook's kernel in a sandbox and score its check cells in isolation
    # (autograder.sandbox_kernel, autograder.trusted); False only for submissions one trusts
    sandbox: bool = True

    def fingerprint(self) -> str:
        """A hash of the submitted files (names and contents)."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode() + b"\0" + hashlib.sha256(self.files[path]).digest())
        return digest.hexdigest()


def first_line(error: BaseException) -> str:
    """The first line of an error's message ("" if it has none), for a one-line problem."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def problem(kind: str, message: str, notebook: str | None = None, cell: str | None = None) -> dict:
    """One entry of a problems list: what kind, where, and a sentence an instructor can act on."""
    return {"kind": kind, "notebook": notebook, "cell": cell, "message": message}


#: Kinds of problem, with the sentence that explains each in reports.
PROBLEM_KINDS = {
    "invalid-notebook": "the file is not a readable notebook (invalid JSON or format)",
    "missing-notebook": "a notebook of the assignment was not submitted",
    "unknown-notebook": "a notebook that is not part of the assignment was submitted (ignored)",
    "duplicate-cell": "a graded cell appears more than once (the last copy is graded)",
    "missing-cell": "a test cell was deleted (it is put back and run)",
    "missing-answer-cell": "an answer cell was deleted",
    "changed-cell": "a locked cell was edited (the original is restored before running)",
    "changed-points": "a cell's points were changed (the released points are used)",
    "changed-type": "a cell's type was changed (the released type is used)",
    "unknown-cell": "a cell carries a grade id the assignment does not have (ignored)",
    "invalid-metadata": "a cell's nbgrader metadata is corrupt (repaired from the release)",
    "cell-timeout": "a cell ran past the per-cell time limit and was interrupted",
    "time-limit": "the notebook ran past its time limit; later cells were not run",
    "kernel-died": "the kernel died; later cells were not run",
    "kernel-failed": "the kernel could not be started",
    "grading-error": "the grader failed on this notebook (see the message)",
    "worker-died": "the grading process died or was killed; the submission is not graded "
                   "(a rerun grades it)",
    "grader-time-limit": "grading ran past the grader's own limit and was killed; the "
                         "submission is not graded (a rerun grades it)",
    "grader-crashed": "the grader itself failed; the submission is not graded (a rerun "
                      "grades it)",
    "skipped-file": "a submitted file was not copied (symlink, or over the size limit)",
    "changed-checksum": "a cell's nbgrader checksum was edited (the released one is used)",
    "changed-metadata": "a cell's nbgrader flags (grade, solution, locked, task) were changed "
                        "(the released ones are used)",
    "output-limit": "a cell printed more than the grader keeps; the rest was dropped",
    "delegation": "a part calls nnlib or a library that implements it (not available while "
                  "grading); it earns nothing",
    "unearned-points": "a part passed in the notebook but not when run in isolation on the "
                       "grader's own inputs (patched checks, forged results, read answers, or "
                       "code that only works inside the notebook); it earns nothing",
    "trusted-run-failed": "the isolated run that scores the checked parts was stopped or "
                          "broken by the submission's own code (see the message); those parts "
                          "earn nothing",
    "trusted-run-not-started": "the isolated run that scores the checked parts could not start "
                               "(the grader's failure, not the student's); the submission is "
                               "not graded (a rerun grades it)",
    "not-isolated": "a test cell could not be scored in isolation; its notebook score stands",
}

#: Kinds of problem that are the grader's failure, not the student's: a submission with one is
#: recorded as not graded (never as 0), and a plain rerun grades it again.
NOT_GRADED_KINDS = frozenset({"worker-died", "grader-time-limit", "grader-crashed",
                              "kernel-failed", "trusted-run-not-started"})


def not_graded_reason(result: dict) -> str | None:
    """The first problem of ``result`` that means it was not really graded, or None."""
    for item in result.get("problems", []):
        if item.get("kind") in NOT_GRADED_KINDS:
            return item["message"].splitlines()[0]
    return None
