"""Helpers for the exercise tests: read the source notebooks, build submissions, run cells.

A *submission* is the released notebook with some answer cells filled in, exactly as a learner
hands it in. The answers come from the instructor's source notebook (the code between the
solution markers) or from the bank of known mistakes (``autograder.mistakes``); the cells are
read and filled by ``autograder.practice``, which makes an instructor's practice class the same
way.
"""
from __future__ import annotations

import contextlib
import copy
import io
import re
from pathlib import Path

import nbformat
import noisy_answers  # tests/, on the path through its conftest

from autograder import mistakes as mistake_bank
from autograder import practice
from autograder.checks import ASSIGNMENTS, answer_id, aspect_of_grade_id
from autograder.practice import solution_region  # noqa: F401  (the tests import it from here)

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "exercises"
ASSIGNMENT_NAMES = list(ASSIGNMENTS)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def source_path(assignment: str, root: Path = EXERCISES) -> Path:
    return root / "source" / assignment / f"{assignment}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def cell_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


_HIDDEN_CHECK = re.compile(r"check\('([\w.]+)', \w+, seed=(\d+), hidden=True\)")


def hidden_seeds(assignments=ASSIGNMENT_NAMES) -> dict[str, int]:
    """Aspect key -> the seed its test cell's hidden tests use (``check(key, impl, seed=S,
    hidden=True)``), read from the source notebooks of ``assignments``."""
    seeds = {}
    for assignment in assignments:
        for cell in read(source_path(assignment)).cells:
            if nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
                key = aspect_of_grade_id(cell_id(cell))
                found = _HIDDEN_CHECK.search(cell.source)
                if key and found and found.group(1) == key:
                    seeds[key] = int(found.group(2))
    return seeds


def solution_answers(assignment: str) -> dict[str, str]:
    """Answer cell id -> the instructor's answer (code, or the model answer of a written part,
    without the rubric that follows it)."""
    source = read(source_path(assignment))
    written = {cell_id(cell) for cell in source.cells if cell.cell_type == "markdown"}
    return {key: answer.split("**Rubric")[0].strip() if key in written else answer
            for key, answer in practice.solution_answers(source).items()}


#: Appended to every code answer of the "warning" submission: correct code that also warns.
#: The answer cell itself warns at the top level, and every call of the learner's function (or
#: method) emits a numpy RuntimeWarning (divide by zero in log), a UserWarning and a line on
#: stderr, all of which nbgrader would count as a failed test if they reached a test cell's stderr.


def mistake_rounds(assignment: str) -> list[list[mistake_bank.Mistake]]:
    """The assignment's known mistakes in rounds, each round holding at most one mistake per part.

    Each round is graded as one submission: the solution with each of those parts replaced by
    its mistake. Parts are graded independently (a check calls only the function it checks), so
    a round tests several mistakes for the price of one notebook; test_checks.py also runs every
    mistake alone, with exactly one part replaced.
    """
    by_part: dict[str, list] = {}
    for mistake in mistake_bank.for_assignment(assignment):
        by_part.setdefault(mistake.part, []).append(mistake)
    count = max((len(found) for found in by_part.values()), default=0)
    return [[found[i] for found in by_part.values() if i < len(found)] for i in range(count)]


def round_student(mistake: mistake_bank.Mistake) -> str:
    """The student id of the round submission that holds ``mistake``."""
    for number, group in enumerate(mistake_rounds(mistake.assignment), start=1):
        if mistake in group:
            return f"mistakes-{number}"
    raise KeyError(mistake.id)


def submissions_for(assignment: str, release: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Every submission the tests grade: student id -> notebook.

    ``solution`` (every answer right, written answers included), ``blank`` (the release as is),
    ``warning`` (right, but warning on every call) and ``mistakes-<n>`` for each round of known
    mistakes (see :func:`mistake_rounds`).
    """
    answers = solution_answers(assignment)
    students = {"solution": practice.answered(release, answers), "blank": copy.deepcopy(release)}
    noisy = {}
    for part in ASSIGNMENTS[assignment]:
        key = answer_id(part)
        noisy[key] = noisy_answers.noisy(answers[key], part)
    students["warning"] = practice.answered(release, {**answers, **noisy})
    for number, group in enumerate(mistake_rounds(assignment), start=1):
        wrong = {answer_id(mistake.part): mistake.source for mistake in group}
        students[f"mistakes-{number}"] = practice.answered(release, {**answers, **wrong})
    return students


def run_cells_in_process(assignment: str, replace: dict[str, str] | None = None) -> dict[str, tuple[bool, str]]:
    """Run a source notebook's code cells in this process (visible and hidden tests alike).

    Returns test-cell id -> (passed, what it printed or raised). ``replace`` swaps cell sources
    by id first. Far faster than nbgrader; the nbgrader tests check the real pipeline.
    """
    namespace: dict = {}
    results = {}
    for cell in read(source_path(assignment)).cells:
        if cell.cell_type != "code":
            continue
        key = cell_id(cell)
        source = (replace or {}).get(key, cell.source)
        output = io.StringIO()
        try:
            with contextlib.redirect_stdout(output):
                exec(compile(source, f"<cell {key}>", "exec"), namespace)
        except Exception as error:  # a failing test cell: keep what it said
            if not nbgrader_meta(cell).get("grade"):
                raise AssertionError(f"cell {key} of {assignment} failed: {error!r}") from error
            results[key] = (False, f"{type(error).__name__}: {error}")
        else:
            if nbgrader_meta(cell).get("grade"):
                results[key] = (True, output.getvalue())
    return results


def cell_text(cell) -> str:
    """Everything a code cell showed (streams, results, errors), without colour codes."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
            parts.extend(output.traceback)
        elif "data" in output:
            parts.append(str(output.data.get("text/plain", "")))
    return _ANSI.sub("", "\n".join(parts))


def squash(text: str) -> str:
    """Whitespace-normalized text, to find a hint however the output wrapped it."""
    return " ".join(text.split())
