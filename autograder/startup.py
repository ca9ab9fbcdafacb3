"""Start-up settings of the grading processes, applied by their entry points (the ``autograder``
command, the pool's worker processes, ``python -m autograder.worker``), never on import: a
learner's kernel imports ``autograder.checks`` and must not be changed by it."""
from __future__ import annotations

import sys


def skip_iri_parsers() -> None:
    """Make ``import rfc3987_syntax`` fail fast in this process.

    Every command and grading worker imports jsonschema (through nbformat), and jsonschema, when
    the optional package rfc3987-syntax is installed (jupyter-events asks for it), builds 38
    parsers for the IRI string formats at import: 1.3 s of each process's start-up, measured.
    Nothing here validates with a format checker, so those formats are never used: the import
    fails as if the package were absent (unless it was imported already).
    """
    sys.modules.setdefault("rfc3987_syntax", None)
