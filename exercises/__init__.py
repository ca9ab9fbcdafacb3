"""The course's exercises, as the grading engine reads them: one subpackage per assignment.

This folder is two things at once. For nbgrader it is the course directory: ``source/NAME/``
holds each assignment's instructor notebook (nbgrader copies every file of that folder into
the student version, so nothing else may live there). For Python it is this package, which
keeps the rest of each assignment beside its notebook::

    exercises/NAME/__init__.py   GIVEN: the nnlib objects the assignment hands to learner code
    exercises/NAME/checks.py     its parts and how each is checked against nnlib
    exercises/NAME/mistakes.py   MISTAKES: its bank of known mistakes, with their hints
    exercises/standins.py        plain copies of the nnlib classes that GIVEN may name, for the
                                 isolated run, which has no nnlib

A bank of known mistakes is a set of near-copies on purpose: each ``source`` is a whole wrong
implementation, written as a learner would write it, and differs from the solution and from the
part's other mistakes in exactly the line it is about, so that the checks can tell them apart.

Likewise, the ``register(Part(...), aspect, ...)`` calls of the checks modules look alike: each
declares one part, and a table of them is what a newcomer reads to learn what is graded.

The engine (``autograder``) finds all of it through :data:`ASSIGNMENTS` (see
``autograder.content``) and names no assignment itself. To add an assignment: write its notebook
in ``source/NAME/``, a ``NAME/`` package here, and add ``NAME`` below.
"""

#: The assignments, in the order of the course (and of the book's chapters).
ASSIGNMENTS: tuple[str, ...] = ("fundamentals", "backpropagation", "activations", "optimizers",
                                "regularization", "architectures", "interview")
