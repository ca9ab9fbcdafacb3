"""Malformed notebooks, one at a time: what is reported and what is repaired (no kernel runs)."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest

import democourse
from autograder.course import Course
from autograder.integrity import inspect_and_repair
from autograder.spec import Job
from autograder.worker import grade_submission


@pytest.fixture(scope="module")
def spec(released_course):
    return Course(released_course).assignment_spec("ps1")


@pytest.fixture(scope="module")
def release(released_course):
    return json.loads((released_course / "release/ps1/ps1.ipynb").read_text())


def _kinds(problems):
    return sorted(p["kind"] for p in problems)


def _ids(nb):
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_a_well_formed_notebook_is_left_exactly_as_it_is(spec, release):
    all_correct = {p: "correct" for p in democourse.ANSWERS}
    nb = nbformat.from_dict(democourse.answered(release, all_correct))
    before = copy.deepcopy(nb)
    assert inspect_and_repair(nb, spec.notebook("ps1"), spec.config) == []
    assert nb == before


@pytest.mark.parametrize("data, words", [
    (b'{"cells": [', "not valid JSON"),
    (b"\xff\xfe not text", "not UTF-8"),
    (b"[1, 2, 3]", "not a notebook"),
])
def test_an_unreadable_file_scores_zero_flagged_for_review(spec, data, words):
    result = grade_submission(Job(spec, "s1", {"ps1.ipynb": data}, timeout=10))
    (problem,) = result["problems"]
    assert problem["kind"] == "invalid-notebook" and words in problem["message"]
    outcome = result["notebooks"]["ps1"]
    assert outcome["needs_review"] and set(outcome["grades"].values()) == {0.0}


def test_a_missing_notebook_and_an_unknown_one_are_both_reported(spec):
    result = grade_submission(Job(spec, "s1", {"ps1 (1).ipynb": b"{}", "notes.txt": b"hi"}, 10))
    assert _kinds(result["problems"]) == ["missing-notebook", "unknown-notebook"]
    assert result["missing"] == ["ps1"]


def test_corrupt_metadata_on_a_test_cell_is_restored_from_the_release(spec, release):
    nb = nbformat.from_dict(copy.deepcopy(release))
    index = _ids(nb).index("test_mse")
    del nb.cells[index].metadata.nbgrader["points"]
    problems = inspect_and_repair(nb, spec.notebook("ps1"), spec.config)
    assert _kinds(problems) == ["invalid-metadata"]
    assert nb.cells[index].metadata.nbgrader["points"] == 2.0


def test_an_unknown_grade_id_is_dropped_not_fatal(spec, release):
    nb = nbformat.from_dict(copy.deepcopy(release))
    nb.cells[_ids(nb).index("test_mse")].metadata.nbgrader["grade_id"] = "my_own_test"
    problems = inspect_and_repair(nb, spec.notebook("ps1"), spec.config)
    assert "unknown-cell" in _kinds(problems)
    assert "my_own_test" not in _ids(nb)
    # ... and test_mse, now missing, is put back
    assert "missing-cell" in _kinds(problems) and "test_mse" in _ids(nb)


def test_a_deleted_test_comes_back_after_its_nearest_surviving_neighbour(spec, release):
    nb = nbformat.from_dict(copy.deepcopy(release))
    for name in ("test_relu_grad", "relu_grad"):  # the test and the answer before it
        del nb.cells[_ids(nb).index(name)]
    problems = inspect_and_repair(nb, spec.notebook("ps1"), spec.config)
    assert _kinds(problems) == ["missing-answer-cell", "missing-cell"]
    ids = [i for i in _ids(nb) if i]
    assert ids.index("test_relu_grad") == ids.index("test_sigmoid") + 1


def test_edited_tests_and_points_are_reported_once_each(spec, release):
    nb = nbformat.from_dict(copy.deepcopy(release))
    cell = nb.cells[_ids(nb).index("test_sigmoid")]
    cell.source = "pass"
    cell.metadata.nbgrader["points"] = 50
    problems = inspect_and_repair(nb, spec.notebook("ps1"), spec.config)
    assert _kinds(problems) == ["changed-cell", "changed-points"]
    assert all(p["cell"] == "test_sigmoid" for p in problems)
