"""``autograder check``'s summary shows the known-mistake tags as the exercises' README does, and
the hints of a failing check reach what the instructor's feedback reads (``PartOutcome``)."""
from __future__ import annotations

import io

import numpy as np
import pytest

from autograder import hints, selfcheck
from autograder.checks import CheckFailed, check


def _failed_cell(message: str) -> dict:
    return {"cell_type": "code", "outputs": [
        {"output_type": "error", "ename": "CheckFailed", "evalue": message, "traceback": []}]}


def _message_of_a_real_failure() -> str:
    def softmax(x):  # the bank's softmax-wrong-axis
        e = np.exp(x - x.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    with pytest.raises(CheckFailed) as info:
        check("softmax.values", softmax)
    return str(info.value)


def test_the_failure_message_keeps_the_known_mistake_tag():
    message = _message_of_a_real_failure()
    assert "[known mistake: softmax-wrong-axis]" in message
    assert "[known mistake: softmax-wrong-axis]" in hints.failure_message(_failed_cell(message))


def test_autograder_check_prints_the_tag_under_the_failed_cell():
    message = _message_of_a_real_failure()
    cell = _failed_cell(message)
    known = [hints.describe(i) for i in hints.mistake_ids(hints.failure_text(cell))]
    part = hints.PartOutcome("test-softmax-values", "activations", 1.0, 0.0,
                             hints.failure_message(cell), known)
    report = selfcheck.CheckReport("activations.ipynb", parts=[part])
    out = io.StringIO()
    selfcheck._print(report, out)
    printed = out.getvalue()
    assert "test-softmax-values" in printed and "FAILED" in printed
    assert "[known mistake: softmax-wrong-axis]" in printed
    assert printed.count("normalize along the last axis") == 1  # the hint once, not twice


def test_a_symptom_hint_reaches_the_message_the_feedback_shows(monkeypatch):
    from autograder.checks import _check

    monkeypatch.setattr(_check.mistake_bank, "for_part", lambda part: ())

    def mse_loss(pred, target):
        return float(np.mean((pred - target) ** 2)), 2 * (pred - target)

    with pytest.raises(CheckFailed) as info:
        check("mse_loss.gradient", mse_loss)
    shown = hints.failure_message(_failed_cell(str(info.value)))
    assert "[symptom: constant-factor]" in shown and "the number of entries of pred" in shown


def test_the_feedback_summary_shows_the_hints_of_a_failed_part():
    from autograder.feedback import summary_html

    message = _message_of_a_real_failure()
    cell = _failed_cell(message)
    known = [hints.describe(i) for i in hints.mistake_ids(hints.failure_text(cell))]
    part = hints.PartOutcome("test-softmax-values", "activations", 1.0, 0.0,
                             hints.failure_message(cell), known)
    page = summary_html("ada", "activations", "activations.ipynb", [part], 0.0, 1.0)
    assert "normalize along the last axis" in page
    assert "[known mistake: softmax-wrong-axis]" in page
