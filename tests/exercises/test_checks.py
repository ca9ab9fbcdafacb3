"""The checks and the bank of known mistakes, run in this process (fast; no nbgrader).

The nbgrader pipeline itself is tested in test_nbgrader.py; here the same notebooks' cells are
executed directly, which makes it cheap to run every known mistake through every check.
"""
from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest

from autograder import address
from autograder import mistakes as mistake_bank
from autograder.checks import (ASPECTS, ASSIGNMENTS, PARTS, CheckFailed, answer_id,
                               aspect_of_grade_id, check, grade_id, mistake_ids_in)
from exercise_tools import (ASSIGNMENT_NAMES, REPO, cell_id, nbgrader_meta, read,
                            run_cells_in_process, source_path)

SEED_PITFALLS = {"adam-no-bias-correction", "dropout-no-scaling", "sigmoid-derivative-of-input",
                 "batchnorm-batch-statistics-at-inference"}
MISTAKES = list(mistake_bank.MISTAKES)


def relu_derivative(x):
    return (x > 0).astype(x.dtype)


# --- the registry and the notebooks agree -----------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_notebook_has_one_answer_cell_per_part_and_one_test_cell_per_aspect(assignment):
    cells = read(source_path(assignment)).cells
    answers = [cell_id(c) for c in cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
    tests = [cell_id(c) for c in cells if nbgrader_meta(c).get("grade") and c.cell_type == "code"]
    assert answers == [answer_id(p) for p in ASSIGNMENTS[assignment]]
    expected_tests = [grade_id(k) for k, a in ASPECTS.items() if PARTS[a.part].assignment == assignment]
    assert sorted(tests) == sorted(expected_tests)
    assert all(aspect_of_grade_id(t) for t in tests)


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_every_test_cell_checks_visibly_and_then_in_hidden_tests(assignment):
    for cell in read(source_path(assignment)).cells:
        if nbgrader_meta(cell).get("grade") and cell.cell_type == "code":
            key = aspect_of_grade_id(cell_id(cell))
            visible, hidden = cell.source.split("### BEGIN HIDDEN TESTS")
            assert f"check({key!r}, " in visible and "hidden=True" not in visible
            assert re.search(rf"check\({re.escape(repr(key))}, \w+, seed=\d+, hidden=True\)", hidden)
            assert hidden.rstrip().endswith("### END HIDDEN TESTS")


def test_each_part_links_to_a_section_that_exists_in_its_chapter():
    missing = []
    for part in PARTS.values():
        chapter = REPO / "chapters" / f"{part.chapter}.md"
        if not chapter.exists() or f"({part.anchor})=" not in chapter.read_text():
            missing.append(f"{part.name}: ({part.anchor})= in chapters/{part.chapter}.md")
    assert not missing, "chapter sections the exercises link to are missing:\n" + "\n".join(missing)


def test_there_are_at_least_thirty_autograded_parts_covering_every_chapter():
    assert len(PARTS) >= 30
    assert {p.chapter for p in PARTS.values()} == {
        "01_fundamentals", "02_backpropagation", "03_activations", "04_optimization",
        "05_regularization", "06_architectures", "07_interview"}


# --- solutions pass, mistakes fail with their hint ---------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_source_solutions_pass_every_check_visible_and_hidden(assignment):
    results = run_cells_in_process(assignment)
    failed = {key: text for key, (passed, text) in results.items() if not passed}
    assert not failed, "\n\n".join(f"{k}:\n{t}" for k, t in failed.items())


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_known_mistake_fails_exactly_its_aspects_and_is_named(mistake):
    results = run_cells_in_process(mistake.assignment, {answer_id(mistake.part): mistake.source})
    failed = {key for key, (passed, _) in results.items() if not passed}
    assert failed == {grade_id(f"{mistake.part}.{a}") for a in mistake.fails}
    for key in failed:
        text = results[key][1]
        assert mistake.id in mistake_ids_in(text), f"{key} did not name the mistake:\n{text}"
        assert " ".join(mistake.hint.split()) in " ".join(text.split())


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_known_mistake_is_already_caught_by_the_learners_self_check(mistake):
    """The visible tests alone find every known mistake, so learners get the hint while working."""
    found = False
    for aspect in mistake.fails:
        try:
            check(f"{mistake.part}.{aspect}", mistake.load())
        except CheckFailed as failure:
            found = found or mistake.id in failure.mistakes
    assert found


def test_the_bank_holds_the_syllabus_pitfalls_and_ten_more():
    ids = {m.id for m in MISTAKES}
    assert SEED_PITFALLS <= ids
    assert {m.id for m in MISTAKES if m.seed_pitfall} >= SEED_PITFALLS
    assert len(ids - SEED_PITFALLS) >= 10
    assert len(ids) == len(MISTAKES)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_mistake_record_is_complete(mistake):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", mistake.id)
    assert mistake.part in PARTS and PARTS[mistake.part].assignment == mistake.assignment
    assert mistake.fails and all(f"{mistake.part}.{a}" in ASPECTS for a in mistake.fails)
    assert mistake.description and mistake.hint
    assert callable(mistake.load())


# --- how check behaves -------------------------------------------------------------------------

def test_check_prints_one_line_and_returns_none_on_success(capsys):
    assert check("relu_derivative.values", relu_derivative) is None
    assert capsys.readouterr().out.count("\n") == 1


def test_failure_says_what_was_checked_expected_and_got():
    with pytest.raises(CheckFailed) as info:
        check("relu_derivative.values", lambda x: np.ones_like(x))
    message = str(info.value)
    assert "Checked: relu_derivative(x) on" in message
    assert "expected 0, got 1" in message
    assert f"Read: {address.chapter_url('03_activations')}#" in message
    assert info.value.key == "relu_derivative.values" and info.value.mistakes == ()


def test_failure_reports_a_wrong_shape_and_a_missing_return_value():
    with pytest.raises(CheckFailed, match=r"expected shape \(4, 3\), got shape \(3, 4\) \(the transpose"):
        check("linear_forward.values", lambda X, W, b: (X @ W + b).T)
    with pytest.raises(CheckFailed, match=r"should return 2 values, \(loss, grad\).*None \(did you forget"):
        check("mse_loss.value", lambda p, t: None)


def test_failure_describes_a_constant_factor_and_a_flipped_sign():
    with pytest.raises(CheckFailed, match="every entry is 3 times the expected one"):
        check("linear_backward.grad_X", lambda X, W, g: (3 * g @ W.T, X.T @ g, g.sum(0)))
    with pytest.raises(CheckFailed, match="opposite sign"):
        check("linear_backward.grad_X", lambda X, W, g: (-g @ W.T, X.T @ g, g.sum(0)))


def test_the_learners_not_implemented_error_passes_through_unchanged():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError) as info:
        check("relu_derivative.values", stub)
    assert type(info.value) is NotImplementedError
    assert "not written yet" in info.value._render_traceback_()[0]


def test_warnings_and_stderr_of_correct_code_are_reported_on_stdout_only(capfd):
    def noisy(x):
        np.log(np.zeros(1))
        warnings.warn("a harmless warning", UserWarning)
        print("debugging", file=sys.stderr)
        return relu_derivative(x)

    check("relu_derivative.values", noisy)
    out, err = capfd.readouterr()
    assert err == ""
    assert "note: your code emitted warnings" in out and "divide by zero" in out


def test_a_stability_check_fails_on_overflow_even_when_the_values_are_right():
    def naive(x):
        return 1.0 / (1.0 + np.exp(-x))

    with pytest.raises(CheckFailed, match="overflow encountered in exp") as info:
        check("sigmoid.large_inputs", naive)
    assert "sigmoid-overflows" in info.value.mistakes


def test_a_stability_check_ignores_other_warnings():
    def stable_but_noisy(x):
        np.log(np.zeros(1))
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    check("sigmoid.large_inputs", stable_but_noisy)


def test_float32_inputs_must_give_float32_results():
    with pytest.raises(CheckFailed, match="the input was float32 but your result is float64"):
        check("relu_derivative.values", lambda x: (x > 0).astype(np.float64), seed=1, hidden=True)


def test_hidden_cases_add_edge_cases_to_the_self_check():
    aspect = ASPECTS["mse_loss.value"]
    rng = np.random.default_rng(0)
    visible, hidden = aspect.cases(rng, False), aspect.cases(rng, True)
    assert len(hidden) > len(visible)
    labels = " ".join(c.label for c in hidden)
    assert "batch of one" in labels and "float32" in labels and "10000" in labels


def test_mistake_ids_are_found_in_output_text():
    text = "  - hint one [known mistake: adam-no-bias-correction]\n  - [known mistake: l2-missing-half]"
    assert mistake_ids_in(text) == ["adam-no-bias-correction", "l2-missing-half"]


def test_an_unknown_check_name_is_refused_with_the_parts_checks():
    with pytest.raises(KeyError, match="mse_loss.value"):
        check("mse_loss.values", lambda p, t: (0.0, p))


@pytest.mark.slow
def test_each_part_link_resolves_in_the_built_book(built_book):
    missing = []
    for part in PARTS.values():
        page = built_book / "chapters" / f"{part.chapter}.html"
        if not page.exists() or f'id="{part.anchor}"' not in page.read_text():
            missing.append(part.url)
    assert not missing, "links from the exercises that the built book does not have:\n" + "\n".join(missing)


def test_the_readme_table_matches_the_assignments():
    readme = (REPO / "exercises" / "README.md").read_text()
    for assignment, parts in ASSIGNMENTS.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{assignment}` |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        points = sum(1 for a in ASPECTS.values() if PARTS[a.part].assignment == assignment)
        assert cells[1].split()[0] == str(len(parts)), row
        assert cells[2].split()[0] == str(points), row
        assert cells[3] == str(len(mistake_bank.for_assignment(assignment))), row
        assert all(f"`{part}`" in cells[4] for part in parts), row
    assert f"{len(PARTS)} autograded parts, {len(ASPECTS)} points" in readme
    assert f"a bank of {len(MISTAKES)} known mistakes" in readme
