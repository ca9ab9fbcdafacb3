"""The suspicious-code scan that explains a flag to the instructor: it names what attacks do and
stays quiet on honest answers."""
from __future__ import annotations

import pytest
from attack_corpus import (EQUAL_TO_ANYTHING, NNLIB_LAZY, NOOP_CHECK, PATCH_COMPARISONS,
                           STACK_FRAMES, solutions)

from autograder.trusted.scan import scan_cells, scan_source


@pytest.mark.parametrize("source, words", [
    (PATCH_COMPARISONS, "replaces np.allclose"),
    (EQUAL_TO_ANYTHING, "defines __eq__"),
    (EQUAL_TO_ANYTHING, "subclasses numpy's ndarray"),
    (NOOP_CHECK, "replaces autograder.checks.check"),
    (STACK_FRAMES, "sys._getframe"),
    (STACK_FRAMES, "f_back"),
    (NNLIB_LAZY.replace("PART", "sigmoid"), "imports from nnlib"),
    ("import torch\n", "imports torch, which grading does not allow"),
    ("import sys\nsys.modules['numpy'] = None\n", "edits sys.modules"),
    ("import os\nos.kill(os.getppid(), 9)\n", "calls os.kill()"),
    ("setattr(np, 'isclose', lambda *a: True)\n", "replaces an attribute of np"),
])
def test_an_attack_is_named(source, words):
    assert any(words in what for _, what in scan_source(source)), scan_source(source)


def test_honest_answers_raise_nothing():
    assert scan_cells(enumerate(solutions().values())) == []


def test_findings_say_where():
    (finding,) = scan_cells([(7, "x = 1\nimport torch\n")])
    assert finding.startswith("cell 7, line 2: ")
