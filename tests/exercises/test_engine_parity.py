"""Self-check parity: every kind of case the grade uses has a visible case of the same kind.

The kinds are computed from each case's arguments (``autograder.checks._core.case_kinds``:
float32, all-zero / large / tiny arrays by argument, arrays off whole numbers (points moved off
a grid), a batch of one, a step counter above 1, a flag's value, a model's mode), never declared
by hand, so a hidden case of a new kind fails here until the self-check shows one like it. The hidden cases are drawn with several seeds, as
each notebook's hidden tests use their own.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import ASPECTS, Case
from autograder.checks._core import argument_names, case_kinds, visible_seed

HIDDEN_SEEDS = (0, 1, 2, 12345)


def _kinds(key: str, cases: list[Case]) -> set[str]:
    names = argument_names(ASPECTS[key])
    return set().union(*(case_kinds(c, names) for c in cases)) if cases else set()


@pytest.mark.parametrize("key", list(ASPECTS))
def test_every_hidden_kind_of_case_has_a_visible_case_of_that_kind(key):
    aspect = ASPECTS[key]
    visible = _kinds(key, aspect.cases(np.random.default_rng(visible_seed(key)), False))
    missing = {}
    for seed in HIDDEN_SEEDS:
        hidden_cases = aspect.cases(np.random.default_rng(seed), True)
        for case in hidden_cases:
            extra = case_kinds(case, argument_names(aspect)) - visible
            if extra:
                missing.setdefault(case.label, sorted(extra))
    assert not missing, (f"{key}: hidden cases of kinds the self-check does not show "
                         f"(visible kinds: {sorted(visible)}):\n"
                         + "\n".join(f"  {label}: {kinds}" for label, kinds in missing.items()))


def test_the_kinds_are_computed_from_the_arrays():
    x32 = np.zeros((1, 3), np.float32)
    kinds = case_kinds(Case("c", (x32, np.full(2, 1e3), np.full(2, 1e-6), 5, True)),
                       ("x", "w", "g", "t", "training"))
    assert kinds == {"float32", "all-zero x", "a batch of one", "large w", "tiny g",
                     "g off whole numbers", "t > 1", "training = True"}
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    assert case_kinds(Case("c", (corners,)), ("X",)) == set()
    assert case_kinds(Case("c", (corners + 0.05,)), ("X",)) == {"X off whole numbers"}
    assert case_kinds(Case("c", (np.array([-300.5, 2.0]),)), ("x",)) == {"large x"}
    assert case_kinds(Case("c", ([np.ones((2, 2)), np.zeros(2)], 1)), ("grads", "t")) == {
        "all-zero grads"}
