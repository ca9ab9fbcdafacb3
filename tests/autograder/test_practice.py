"""autograder.practice: the practice class an instructor makes from a real assignment.

Made here from a copy of the course's own ``activations`` exercise (and, to show that nothing
in it is specific to the exercises, from the test course's ps1). The fast tests read the
submissions and run them in this process; the slow one grades a practice class end to end.
"""
from __future__ import annotations

import contextlib
import copy
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import democourse
import pytest
from agtools import run_cli

from autograder import mistakes
from autograder.checks import ASSIGNMENTS, answer_id, grade_id
from autograder.practice import BROKEN, PracticeAssignment, practice_class

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "activations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the exercises course holding only ``activations``, released."""
    root = tmp_path_factory.mktemp("practice") / "course"
    shutil.copytree(REPO / "exercises" / "source" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    shutil.copy(REPO / "exercises" / "nbgrader_config.py", root)
    run_cli("release", ASSIGNMENT, cwd=root)
    return root


@pytest.fixture(scope="module")
def practice(course) -> PracticeAssignment:
    return PracticeAssignment(course, ASSIGNMENT)


def _notebook(submission) -> dict:
    return json.loads(submission.notebooks[NOTEBOOK])


def _grade_id(cell) -> str | None:
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _run_in_process(nb: dict) -> dict[str, str]:
    """Run a notebook's code cells here, top to bottom; grade id -> what each test cell printed
    (a failing check raises, naming its cell)."""
    namespace, printed = {}, {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            try:
                exec(compile(_source(cell), f"<cell {_grade_id(cell)}>", "exec"), namespace)
            except Exception as error:
                raise AssertionError(f"cell {_grade_id(cell)} failed: {error}") from error
        printed[_grade_id(cell)] = output.getvalue()
    return printed


def test_the_correct_submission_passes_every_visible_check(practice):
    printed = _run_in_process(_notebook(practice.correct()))  # a failing check raises
    tests = [_grade_id(c) for c in practice.releases[NOTEBOOK]["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade")]
    assert tests and all(printed[test].strip() for test in tests)  # each check said it passed


def test_the_correct_submission_answers_every_part_and_changes_nothing_else(practice):
    release = practice.releases[NOTEBOOK]
    correct = _notebook(practice.correct())
    assert len(correct["cells"]) == len(release["cells"])
    changed = {_grade_id(a) for a, b in zip(correct["cells"], release["cells"]) if a != b}
    assert changed == {answer_id(part) for part in ASSIGNMENTS[ASSIGNMENT]}
    answers = [_source(c) for c in correct["cells"] if _grade_id(c) in changed]
    assert not any("NotImplementedError" in a or "SOLUTION" in a for a in answers)


def test_the_blank_submission_is_the_release(practice):
    assert _notebook(practice.blank()) == practice.releases[NOTEBOOK]


def test_there_is_one_submission_per_known_mistake_and_it_changes_only_its_answer_cell(practice):
    bank = mistakes.for_assignment(ASSIGNMENT)
    made = practice.mistakes()
    assert [s.mistake for s in made] == [m.id for m in bank] and bank
    correct, release = _notebook(practice.correct()), practice.releases[NOTEBOOK]
    for submission, mistake in zip(made, bank):
        nb = _notebook(submission)
        against_correct = {_grade_id(a) for a, b in zip(nb["cells"], correct["cells"]) if a != b}
        assert against_correct == {answer_id(mistake.part)}, mistake.id
        answer = next(c for c in nb["cells"] if _grade_id(c) == answer_id(mistake.part))
        assert _source(answer) == mistake.source
        # against the release: only answer cells, never a locked one
        against_release = [a for a, b in zip(nb["cells"], release["cells"]) if a != b]
        assert all(not c["metadata"]["nbgrader"].get("locked") for c in against_release)


def test_a_mistake_submission_fails_its_part_the_way_the_bank_says(practice):
    """Run in process, the spliced-in mistake is what the visible check names."""
    submission = next(s for s in practice.mistakes() if s.mistake == "relu-derivative-one-at-zero")
    with pytest.raises(AssertionError, match="relu-derivative-one-at-zero"):
        _run_in_process(_notebook(submission))


def test_the_invalid_json_submission_is_not_json(practice):
    with pytest.raises(json.JSONDecodeError):
        json.loads(practice.broken("invalid_json").notebooks[NOTEBOOK])


def test_the_duplicate_test_submission_has_one_test_cell_twice_and_is_otherwise_correct(practice):
    nb, correct = _notebook(practice.broken("duplicate_test")), _notebook(practice.correct())
    ids = [_grade_id(c) for c in nb["cells"]]
    twice = {i for i in ids if i and ids.count(i) > 1}
    assert len(twice) == 1 and next(iter(twice)).startswith("test-")
    without_copy = copy.deepcopy(nb)
    del without_copy["cells"][max(i for i, g in enumerate(ids) if g in twice)]
    assert without_copy == correct


def test_the_edited_test_submission_empties_the_test_of_an_unanswered_part(practice):
    nb, release = _notebook(practice.broken("edited_test")), practice.releases[NOTEBOOK]
    changed = [(a, b) for a, b in zip(nb["cells"], release["cells"]) if a != b]
    edited = [a for a, b in changed if a["metadata"]["nbgrader"].get("locked")]
    assert len(edited) == 1 and "check(" not in _source(edited[0])
    first_answer = answer_id(ASSIGNMENTS[ASSIGNMENT][0])
    assert first_answer not in {_grade_id(a) for a, _ in changed}  # left as released


def test_the_endless_loop_submission_never_finishes_its_last_answer_cell(practice):
    nb = _notebook(practice.broken("endless_loop"))
    last = answer_id(ASSIGNMENTS[ASSIGNMENT][-1])
    cell = next(c for c in nb["cells"] if _grade_id(c) == last)
    setup = next(c for c in nb["cells"] if c["cell_type"] == "code")
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", _source(setup) + "\n" + _source(cell)],
                       capture_output=True, timeout=3)


def test_a_practice_class_has_every_kind_but_mistakes_first_and_unique_names(course):
    students = practice_class(course, ASSIGNMENT, students=10, seed=3)
    assert len(students) == 10 and all(name.isalpha() for name in students)
    kinds = sorted(s.kind for s in students.values())
    assert kinds == sorted(["correct", "blank", *BROKEN, *["mistake"] * 4])
    parts = [s.part for s in students.values() if s.kind == "mistake"]
    assert len(set(parts)) == len(parts)  # spread over different parts
    assert practice_class(course, ASSIGNMENT, students=10, seed=3) == students


def test_a_practice_class_larger_than_the_kinds_repeats_them(course):
    students = practice_class(course, ASSIGNMENT, students=30)
    assert len(set(students)) == 30
    assert {s.kind for s in students.values()} == {"correct", "blank", "mistake", *BROKEN}


def test_the_practice_of_an_assignment_without_a_bank_uses_its_own_solutions(released_course):
    """Nothing is specific to the exercises: the test course's ps1 (plain asserts, no known
    mistakes in the bank) gets the answers it was written with."""
    practice = PracticeAssignment(released_course, democourse.ASSIGNMENT)
    assert practice.mistakes() == []
    correct = json.loads(practice.correct().notebooks["ps1.ipynb"])
    for part, answers in democourse.ANSWERS.items():
        cell = next(c for c in correct["cells"] if _grade_id(c) == part)
        assert _source(cell).strip() == answers["correct"].strip()
    _run_in_process(correct)  # the visible asserts pass


def test_practice_asks_for_the_release_first(tmp_path):
    shutil.copytree(REPO / "exercises" / "source" / ASSIGNMENT,
                    tmp_path / "source" / ASSIGNMENT)
    shutil.copy(REPO / "exercises" / "nbgrader_config.py", tmp_path)
    done = run_cli("practice", ASSIGNMENT, cwd=tmp_path, check=False)
    assert done.returncode == 2 and "autograder release activations" in done.stderr


@pytest.mark.slow
def test_a_practice_class_grades_as_each_submission_claims(course, tmp_path):
    root = shutil.copytree(course, tmp_path / "course")
    listing = run_cli("practice", ASSIGNMENT, "--students", "10", "-o", "export.zip", cwd=root)
    kinds = dict(line.split()[:2] for line in listing.stdout.splitlines()[1:])
    run_cli("collect", "export.zip", "--assignment", ASSIGNMENT, cwd=root)
    run_cli("grade", ASSIGNMENT, "--timeout", "10", "--no-progress", cwd=root)
    run_cli("export", "-o", "grades.csv", cwd=root)
    with open(root / "grades.csv") as f:
        grades = {row["student_id"]: row for row in csv.DictReader(f)}
    problems: dict[str, set[str]] = {}
    for problem in json.loads((root / "autograded" / "problems.json").read_text()):
        problems.setdefault(problem["student"], set()).add(problem["kind"])
    students = practice_class(root, ASSIGNMENT, students=10)
    assert {s: v.kind for s, v in students.items()} == kinds
    expected_problems = {"invalid_json": "invalid-notebook", "duplicate_test": "duplicate-cell",
                         "edited_test": "changed-cell", "endless_loop": "time-limit"}
    for student, submission in students.items():
        row, found = grades[student], problems.get(student, set())
        assert submission.broken == bool(found), (student, submission.kind, found)
        if submission.broken:
            assert expected_problems[submission.kind] in found, (student, found)
        if submission.kind == "correct":
            assert row["score"] == row["max_score"]
        elif submission.kind in ("blank", "invalid_json"):
            assert float(row["score"]) == 0
        elif submission.kind == "mistake":
            mistake = mistakes.get(submission.mistake)
            lost = {grade_id(f"{mistake.part}.{aspect}") for aspect in mistake.fails}
            zero = {cell for cell, score in row.items() if cell.startswith("test-")
                    and float(score) == 0}
            assert zero == lost, (student, submission.mistake)
