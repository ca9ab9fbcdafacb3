"""Instructor and learner tooling over nbgrader: release, collect, grade, feedback, export, report.

The command-line tool is ``autograder`` (or ``python -m autograder``); see ``autograder --help``.
This package is imported by learners' notebooks too (``autograder.checks``), so importing it must
stay cheap: the heavy modules (nbgrader, dask, matplotlib) are imported only by the commands that
need them.
"""

import sys as _sys

# Every command and grading worker imports jsonschema (through nbformat), and jsonschema, when
# the optional package rfc3987-syntax is installed (jupyter-events asks for it), builds 38
# parsers for the IRI string formats at import: 1.3 s of each process's start-up, measured.
# Nothing here validates with a format checker, so those formats are never used: the import
# fails fast instead, as if the package were absent (unless it was imported already).
_sys.modules.setdefault("rfc3987_syntax", None)
