"""The bank of known mistakes: wrong implementations of the exercise parts, with their hints.

This module is the bank's machinery; its contents are the course's, one ``mistakes.py`` per
assignment (``exercises/NAME/mistakes.py``, found through :mod:`autograder.content`).

Each :class:`Mistake` is data: which part it belongs to, what is wrong (for instructors and class
reports), the hint a learner is shown when their code behaves the same way, and the wrong
implementation itself as source code that defines the part's function or class. The checks
(:mod:`autograder.checks`) run every mistake of a part on the same inputs as the learner's code
and name the one that agrees with it; the tests splice each ``source`` into the solution
notebook in place of the correct answer and check that exactly that part loses points.

Interface::

    from autograder import mistakes
    mistakes.MISTAKES            # every Mistake, in a stable order
    mistakes.get("adam-no-bias-correction")
    mistakes.for_part("adam_step")
    mistakes.for_assignment("optimizers")
    mistake.load()               # the wrong function or class, compiled from mistake.source
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation of one part.

    Attributes:
        id: a short, stable, kebab-case name, e.g. ``"adam-no-bias-correction"``.
        assignment: the assignment (notebook) the part is in, e.g. ``"optimizers"``.
        part: the function or class the learner writes, e.g. ``"adam_step"``.
        description: what is wrong, in a sentence, for the instructor.
        hint: what the learner reads: the symptom and the likely cause, as a question or advice.
        source: Python source defining ``part`` (imports included), wrong in exactly this way.
        fails: the aspects of the part this mistake must lose points on (the tests check it).
        shows: the symptoms (:mod:`autograder.checks._symptoms`) this mistake really shows besides
            its own name, each checked by hand against its source (e.g. ``("constant-factor",)``
            for a gradient missing its 2); the tests check that exactly these are named.
        seed_pitfall: True for the syllabus's four "common pitfalls".
    """

    id: str
    assignment: str
    part: str
    description: str
    hint: str
    source: str
    fails: tuple[str, ...]
    shows: tuple[str, ...] = ()
    seed_pitfall: bool = False
    _compiled: dict = field(default_factory=dict, compare=False, repr=False)

    def load(self):
        """The wrong function or class, compiled once from :attr:`source`."""
        if "impl" not in self._compiled:
            namespace = {"np": np, "__name__": f"mistake:{self.id}"}
            exec(compile(self.source, f"<mistake {self.id}>", "exec"), namespace)
            if self.part not in namespace:
                raise ValueError(f"the source of mistake {self.id!r} does not define {self.part!r}")
            self._compiled["impl"] = namespace[self.part]
        return self._compiled["impl"]


def mistake(id, assignment, part, description, hint, source, fails, shows=(),
            seed_pitfall=False) -> Mistake:
    """Build a :class:`Mistake`, dedenting its source (so it can be written indented)."""
    return Mistake(id=id, assignment=assignment, part=part, description=" ".join(description.split()),
                   hint=" ".join(hint.split()), source=textwrap.dedent(source).strip() + "\n",
                   fails=tuple(fails), shows=tuple(shows), seed_pitfall=seed_pitfall)


@lru_cache(maxsize=1)
def _all() -> tuple[Mistake, ...]:
    from autograder import content

    bank = [m for assignment in content.assignments() for m in content.mistakes_of(assignment)]
    ids = [m.id for m in bank]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate mistake ids: {sorted(duplicates)}")
    return tuple(bank)


def __getattr__(name):
    if name == "MISTAKES":
        return _all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(mistake_id: str) -> Mistake:
    """The mistake with this id (``KeyError`` naming the id otherwise)."""
    for m in _all():
        if m.id == mistake_id:
            return m
    raise KeyError(f"no known mistake with id {mistake_id!r}")


def for_part(part: str) -> tuple[Mistake, ...]:
    """The mistakes of one part, in the bank's order."""
    return tuple(m for m in _all() if m.part == part)


def for_assignment(assignment: str) -> tuple[Mistake, ...]:
    """The mistakes of one assignment's parts, in the bank's order."""
    return tuple(m for m in _all() if m.assignment == assignment)


__all__ = ["Mistake", "mistake", "get", "for_part", "for_assignment", "MISTAKES"]
