"""The fundamentals assignment (chapter ``01_fundamentals``).

Its notebook: ``exercises/source/fundamentals/fundamentals.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: The assignment hands no nnlib objects to learner code.
GIVEN: frozenset[str] = frozenset()
