"""Trusted scoring on every exercise: the instructor's solutions earn every point in isolation,
each known mistake loses exactly the aspects it is meant to lose (as in the notebook), and a
delegating or blank answer earns nothing. These run ``autograder.trusted.scoring`` directly on
the source notebooks (its sandbox included, no kernel), one sandboxed run per notebook."""
from __future__ import annotations

import copy
import json

import nbformat
import pytest

from autograder import mistakes as mistake_bank
from autograder.checks import ASSIGNMENTS, answer_id, grade_id
from autograder.spec import GradeCell, NotebookSpec, SourceCell
from autograder.trusted import scoring, wire

from attack_corpus import REPO

pytestmark = pytest.mark.slow


def _source(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(str(REPO / "exercises" / "source" / assignment / f"{assignment}.ipynb"),
                         as_version=4)


def _spec(nb, name: str) -> NotebookSpec:
    """The master copy as the gradebook would hold it (built from the source's metadata)."""
    sources, grades, solutions = [], [], []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta:
            continue
        sources.append(SourceCell(meta["grade_id"], cell.cell_type, bool(meta.get("locked")),
                                  cell.source, meta.get("checksum")))
        if meta.get("grade"):
            grades.append(GradeCell(meta["grade_id"], float(meta["points"]), cell.cell_type))
        if meta.get("solution"):
            solutions.append(meta["grade_id"])
    return NotebookSpec(name, None, tuple(sources), tuple(grades), tuple(solutions), ())


def _score(nb, spec, tmp_path):
    verdict = scoring.score_notebook(nb, spec, inputs=tmp_path, timeout=120,
                                     cell_timeout=60)
    assert not verdict.error, verdict.error
    return verdict


def _replaced(nb, answers: dict[str, str]):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in answers:
            cell.source = answers[cell.metadata.nbgrader.grade_id]
    return nb


def _rounds(assignment: str) -> list[list]:
    """The assignment's known mistakes in rounds of at most one per part (parts are graded
    independently, so a round grades several mistakes in one notebook)."""
    by_part: dict[str, list] = {}
    for mistake in mistake_bank.for_assignment(assignment):
        by_part.setdefault(mistake.part, []).append(mistake)
    count = max((len(found) for found in by_part.values()), default=0)
    return [[found[i] for found in by_part.values() if i < len(found)] for i in range(count)]


ROUNDS = [(assignment, number, group) for assignment in ASSIGNMENTS
          for number, group in enumerate(_rounds(assignment), start=1)]


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_the_solution_earns_every_point_in_isolation(assignment, tmp_path):
    nb = _source(assignment)
    spec = _spec(nb, assignment)
    verdict = _score(nb, spec, tmp_path)
    checked = {g.name for g in spec.grade_cells if g.name.startswith("test-")}
    assert set(verdict.cells) == checked  # every test cell of the exercises is covered
    failed = {name: cell.reason for name, cell in verdict.cells.items() if not cell.passed}
    assert failed == {}


@pytest.mark.parametrize("assignment, number, group", ROUNDS,
                         ids=[f"{a}-{n}" for a, n, _ in ROUNDS])
def test_each_known_mistake_loses_exactly_its_aspects_in_isolation(assignment, number, group,
                                                                   tmp_path):
    nb = _source(assignment)
    spec = _spec(nb, assignment)
    verdict = _score(_replaced(nb, {answer_id(m.part): m.source for m in group}), spec, tmp_path)
    lost = {name for name, cell in verdict.cells.items() if not cell.passed}
    assert lost == {grade_id(f"{m.part}.{a}") for m in group for a in m.fails}
    for mistake in group:  # and the failure names the mistake, as the notebook's check does
        for aspect in mistake.fails:
            reason = verdict.cells[grade_id(f"{mistake.part}.{aspect}")].reason
            assert f"known mistake: {mistake.id}" in reason


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_blank_answers_earn_nothing(assignment, tmp_path):
    nb = _source(assignment)
    spec = _spec(nb, assignment)
    blank = {answer_id(p): "raise NotImplementedError()\n" for p in ASSIGNMENTS[assignment]}
    verdict = _score(_replaced(nb, blank), spec, tmp_path)
    assert verdict.cells and not [c for c in verdict.cells.values() if c.passed]


def test_an_answer_that_calls_nnlib_is_flagged_as_delegation(tmp_path):
    nb = _source("optimizers")
    spec = _spec(nb, "optimizers")
    delegate = {answer_id("adam_step"): (
        "def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
        "    from nnlib.optim import adam_update\n"
        "    return adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)\n")}
    verdict = _score(_replaced(nb, delegate), spec, tmp_path)
    adam = {n: c for n, c in verdict.cells.items() if n.startswith("test-adam_step-")}
    assert adam and all(c.kind == "delegation" and c.points == 0 for c in adam.values())
    others = [c for n, c in verdict.cells.items() if n not in adam]
    assert all(c.passed for c in others)


def test_a_learners_own_check_call_in_an_answer_cell_is_harmless(tmp_path):
    nb = _source("activations")
    spec = _spec(nb, "activations")
    own = nb.cells[[c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
                   .index(answer_id("sigmoid"))].source
    verdict = _score(_replaced(nb, {answer_id("sigmoid"): (
        "check('sigmoid.values', lambda x: x)\n" + own)}), spec, tmp_path)
    assert all(cell.passed for cell in verdict.cells.values())


@pytest.mark.parametrize("value", [
    [1.0, 2.0], (1, "a", None, True), {"k": [3.5]}, float("nan"), -(2**70),
    "text", None,
])
def test_plain_values_cross_the_wire_unchanged(value):
    decoded = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert type(decoded) is type(value)
    assert repr(decoded) == repr(value)


def test_arrays_cross_the_wire_with_their_dtype_and_shape():
    import numpy as np

    for array in (np.arange(6, dtype=np.float32).reshape(2, 3), np.array([True, False]),
                  np.zeros((0, 4)), np.float64(2.5), np.int64(-3)):
        decoded = wire.decode(json.loads(json.dumps(wire.encode(array))))
        assert type(decoded) is type(array) and np.array_equal(decoded, array)
        assert getattr(decoded, "dtype", None) == array.dtype


def test_what_is_not_plain_data_arrives_as_something_equal_to_nothing():
    import numpy as np

    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    for value in (np.zeros(3).view(Liar), np.array([object()], dtype=object), {1: 2},
                  lambda: 0, np.array(["a"])):
        decoded = wire.decode(json.loads(json.dumps(wire.encode(value))))
        assert isinstance(decoded, wire.Unsupported)
        assert decoded != decoded and not (decoded == 0)


@pytest.mark.parametrize("data", [
    {"nd": "object", "shape": [1], "b64": ""},
    {"nd": "float64", "shape": [2], "b64": "AAAA"},
    {"nd": "float64", "shape": [-1], "b64": ""},
    {"i": "1e5"},
    {"given": "nnlib", "class": "Linear", "state": {}},
    {"l": "not a list"},
    {"d": [[1, 2]]},
    {"pickle": "gASV"},
])
def test_malformed_data_is_refused(data):
    with pytest.raises(wire.WireError):
        wire.decode(data)
