"""The exercises through the real nbgrader pipeline (see conftest.py: one course, graded once).

validate the sources, generate the releases, autograde every kind of submission, generate
feedback, and check what each step produced.
"""
from __future__ import annotations

import html
import re

import pytest

from autograder import address
from autograder import mistakes as mistake_bank
from autograder.checks import ASPECTS, ASSIGNMENTS, PARTS, answer_id, aspect_of_grade_id, grade_id
from exercise_tools import (ASSIGNMENT_NAMES, cell_id, cell_text, mistake_rounds, nbgrader_meta,
                            read, round_student, solution_region, source_path, squash)

pytestmark = pytest.mark.slow
MISTAKES = list(mistake_bank.MISTAKES)


def _auto_grades(grades: dict) -> dict:
    """Only the autograded cells (the written answers need a person)."""
    return {k: g for k, g in grades.items() if aspect_of_grade_id(k)}


def _command(course, name):
    result = course.commands[name]
    assert result.returncode == 0, result.describe()
    return result


# --- validate and generate_assignment ----------------------------------------------------------

def test_nbgrader_commands_succeed(graded_course):
    for name, result in graded_course.commands.items():
        _command(graded_course, name)
        # nbgrader logs a notebook it could not process as an error and carries on.
        assert "| ERROR]" not in result.output, result.describe()


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_validate_passes_on_the_source_solution(graded_course, assignment):
    output = _command(graded_course, "validate").output
    section = output.split(f"Validating '{graded_course.root / 'source' / assignment}")[1]
    section = re.split(r"\[ValidateApp \| INFO\] Validating", section)[0]
    assert "Success! Your notebook passes all the tests." in section, section


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_release_holds_no_solution_and_no_hidden_test(graded_course, assignment):
    text = graded_course.release_text(assignment)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "hidden=True", "seed=",
                   "Rubric", "Model answer"):
        assert marker not in text, f"{marker!r} is in the released {assignment} notebook"
    release_sources = "\n".join(cell.source for cell in graded_course.release(assignment).cells)
    for cell in read(source_path(assignment)).cells:
        if nbgrader_meta(cell).get("solution") and cell.cell_type == "code":
            given = cell.source.replace(solution_region(cell.source), "")  # e.g. an __init__
            for line in solution_region(cell.source).splitlines():
                line = line.strip()
                if len(line) > 12 and not line.startswith("#") and line not in given:
                    assert line not in release_sources, f"solution code in the release: {line!r}"


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_release_stubs_raise_not_implemented_error_and_link_each_part(graded_course, assignment):
    cells = {cell_id(c): c for c in graded_course.release(assignment).cells if cell_id(c)}
    for part in ASSIGNMENTS[assignment]:
        assert "raise NotImplementedError()" in cells[answer_id(part)].source
        assert PARTS[part].url in cells[f"description-{part}"].source
        for key in (k for k, a in ASPECTS.items() if a.part == part):
            assert f"check({key!r}, {part})" in cells[grade_id(key)].source


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_release_has_the_course_address_in_place_of_the_placeholders(graded_course, assignment):
    text = graded_course.release_text(assignment)
    for name in address.PLACEHOLDERS:
        assert f"{{{{{name}}}}}" not in text, f"{{{{{name}}}}} left in the {assignment} release"
    assert f"({address.book_url()}chapters/" in text  # the links to the book's chapters
    assert f"git+{address.repository_url()}" in text  # the install hint of the setup cell


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_release_runs_top_to_bottom_with_only_not_implemented_errors(graded_course, assignment):
    _command(graded_course, "execute release")
    errors = {}
    for cell in graded_course.executed_release(assignment).cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors[cell_id(cell)] = output.ename
            assert not (output.output_type == "stream" and output.name == "stderr"), cell_text(cell)
    assert set(errors.values()) == {"NotImplementedError"}, errors
    expected = {grade_id(k) for k, a in ASPECTS.items() if PARTS[a.part].assignment == assignment}
    assert set(errors) == expected  # every test cell stops at its unfilled part, and only those


# --- autograde ---------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_every_submission_was_autograded(graded_course, assignment):
    _command(graded_course, f"autograde {assignment}")
    for student in graded_course.students[assignment]:
        assert _auto_grades(graded_course.grades(assignment, student)), student


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_the_solution_gets_full_marks(graded_course, assignment):
    grades = _auto_grades(graded_course.grades(assignment, "solution"))
    assert len(grades) == sum(1 for a in ASPECTS.values() if PARTS[a.part].assignment == assignment)
    lost = {k: g for k, g in grades.items() if g["score"] != g["max_score"]}
    assert not lost, lost


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_a_correct_solution_that_warns_still_gets_full_marks(graded_course, assignment):
    grades = _auto_grades(graded_course.grades(assignment, "warning"))
    lost = {k: g for k, g in grades.items() if g["score"] != g["max_score"]}
    assert not lost, lost
    notebook = graded_course.autograded(assignment, "warning")
    answers = [c for c in notebook.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
    tests = [c for c in notebook.cells if aspect_of_grade_id(cell_id(c) or "")]
    # The warnings did happen: on the answer cells' stderr, and as notes in the test cells.
    assert all("divide by zero encountered in log" in cell_text(c) for c in answers)
    assert all("note: your code emitted warnings" in cell_text(c) for c in tests)


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_the_blank_release_gets_zero(graded_course, assignment):
    grades = graded_course.grades(assignment, "blank")
    assert grades and all(g["score"] == 0 for g in grades.values()), grades


def test_written_answers_are_left_for_the_instructor(graded_course):
    grades = graded_course.grades("interview", "solution")
    written = {k: g for k, g in grades.items() if not aspect_of_grade_id(k)}
    assert len(written) == 4
    assert all(g["needs_manual_grade"] and g["max_score"] == 3 for g in written.values()), written


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_each_round_of_mistakes_loses_exactly_the_points_of_its_mistakes(graded_course, assignment):
    for number, group in enumerate(mistake_rounds(assignment), start=1):
        grades = _auto_grades(graded_course.grades(assignment, f"mistakes-{number}"))
        lost = {k for k, g in grades.items() if g["score"] < g["max_score"]}
        expected = {grade_id(f"{m.part}.{a}") for m in group for a in m.fails}
        assert lost == expected, f"round {number}: {[m.id for m in group]}"


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_known_mistake_loses_points_on_its_part_only(graded_course, mistake):
    grades = _auto_grades(graded_course.grades(mistake.assignment, round_student(mistake)))
    lost = {k for k, g in grades.items()
            if g["score"] < g["max_score"] and ASPECTS[aspect_of_grade_id(k)].part == mistake.part}
    assert lost == {grade_id(f"{mistake.part}.{a}") for a in mistake.fails}
    assert sum(g["score"] for g in grades.values()) < sum(g["max_score"] for g in grades.values())


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_known_mistake_is_named_with_its_hint_in_the_graded_notebook(graded_course, mistake):
    notebook = graded_course.autograded(mistake.assignment, round_student(mistake))
    failed = [c for c in notebook.cells
              if aspect_of_grade_id(cell_id(c) or "") in {f"{mistake.part}.{a}" for a in mistake.fails}]
    assert failed
    for cell in failed:
        text = cell_text(cell)
        assert f"known mistake: {mistake.id}" in text, text
        assert squash(mistake.hint) in squash(text), text
        assert "Checked:" in text and "Traceback" not in text


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_the_feedback_html_shows_the_hint(graded_course, mistake):
    _command(graded_course, "generate_feedback")
    text = squash(html.unescape(graded_course.feedback_html(mistake.assignment,
                                                             round_student(mistake))))
    assert f"known mistake: {mistake.id}" in text
    assert squash(mistake.hint) in text
