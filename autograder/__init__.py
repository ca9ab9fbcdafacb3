"""Instructor and learner tooling over nbgrader: release, collect, grade, feedback, export, report.

The command-line tool is ``autograder`` (or ``python -m autograder``); see ``autograder --help``.
This package is imported by learners' notebooks too (``autograder.checks``), so importing it must
stay cheap and change nothing: the heavy modules (nbgrader, dask, matplotlib) are imported only
by the commands that need them, and process-wide settings are made by the entry points
(``autograder.startup``).
"""
