"""Checks for the exercise notebooks: compare the learner's code with nnlib and explain failures.

This package is the machinery; what each part is and how it is checked is the course's, one
``checks.py`` per assignment (``exercises/NAME/checks.py``, found through
:mod:`autograder.content`), each calling :func:`register`.

Every test cell of an exercise notebook calls :func:`check` once for its self-check and, in the
hidden part that only the grader runs, once more with its own seed and the edge cases::

    from autograder.checks import check
    check("mse_loss.gradient", mse_loss)                          # the learner's self-check
    check("mse_loss.gradient", mse_loss, seed=81726, hidden=True)  # grading only

On success it prints one line; on a difference it raises :class:`CheckFailed`, whose message
says what was checked, what nnlib expected and what came back (shapes, first differing entries),
names the likely mistake when the learner's output matches a known one (see
:mod:`autograder.mistakes`; the id appears as ``[known mistake: <id>]``, which
:func:`mistake_ids_in` extracts) or, when none does, by its symptom (a constant factor named
from the case, the other axis, a sign flipped, a step count off by one, a float64 promotion or
the first nan traced to the learner's line, a mode mix-up...: :mod:`autograder.checks._symptoms`,
tagged ``[symptom: <id>]``), and links to the chapter section.

The modules: ``_core`` (parts, aspects, cases, running and comparing), ``_build`` (aspects of
function parts), ``_check`` (:func:`check` and its message), ``_symptoms`` (naming a mistake by
its symptom, with ``_factors`` for constant factors, ``_probing`` for nnlib re-run on changed
inputs and ``_trace`` for the line of the learner's code where a problem first appeared).

The self-check shows a case of every kind the grade uses (float32, all-zero, tiny and large
arrays, a batch of one, a step above 1, a flag's values...: ``_core.case_kinds``, computed from
the cases' arguments); hidden cases differ only in their values. A part whose task says it
returns new arrays fails when it modifies an argument in place (``function_aspect(...,
owned=True)``). Warnings and stderr output
of the learner's code are captured, so that a harmless numpy warning does not make nbgrader
fail the cell; the stability aspects (``stable=True``) grade overflow warnings on purpose.

Public names:

- ``check(key, impl, *, seed=None, hidden=False) -> None``
- ``CheckFailed`` (an ``AssertionError``): ``.key``, ``.part``, ``.aspect``, ``.case``,
  ``.mistakes`` (recognised ids, best first), ``.hidden``, ``.symptoms`` (symptom ids named
  when no known mistake was recognised)
- ``PARTS``: part name -> :class:`Part` (``assignment``, ``title``, ``chapter``, ``anchor``,
  ``signature``, ``url``)
- ``ASPECTS``: ``"part.aspect"`` -> :class:`Aspect` (``part``, ``name``, ``what``, ``stable``)
- ``ASSIGNMENTS``: assignment name -> its part names, in notebook order
- ``grade_id(key)`` / ``aspect_of_grade_id(grade_id)``: the notebooks' test-cell ids
  (``test-<part>-<aspect>``); ``answer_id(part)``: the answer cells' ids (``answer-<part>``)
- ``mistake_ids_in(text) -> list[str]``: the known mistakes named in a check's output
"""
from __future__ import annotations

from autograder import content
from autograder.checks._check import CheckFailed, check, mistake_ids_in
from autograder.checks._core import (ASPECTS, MISTAKE_TAG, PARTS, Aspect, Case, Part, Probe,
                                     register)

content.load_checks()  # each assignment's checks register its parts

#: Assignment -> its parts, in the order of the course and of each notebook.
ASSIGNMENTS: dict[str, list[str]] = {
    name: [part.name for part in PARTS.values() if part.assignment == name]
    for name in content.assignments()
}


def grade_id(key: str) -> str:
    """The nbgrader grade id of the test cell that checks ``key`` ("part.aspect")."""
    part, aspect = key.split(".", 1)
    return f"test-{part}-{aspect}"


def aspect_of_grade_id(cell_id: str) -> str | None:
    """The aspect key a test cell checks, or None if ``cell_id`` is not a check's test cell."""
    for key in ASPECTS:
        if grade_id(key) == cell_id:
            return key
    return None


def answer_id(part: str) -> str:
    """The nbgrader grade id of the answer cell in which the learner writes ``part``."""
    return f"answer-{part}"


__all__ = [
    "check", "CheckFailed", "mistake_ids_in", "PARTS", "ASPECTS", "ASSIGNMENTS",
    "Part", "Aspect", "Case", "Probe", "grade_id", "aspect_of_grade_id", "answer_id", "MISTAKE_TAG",
    "register",
]
