"""The optimizers assignment (chapter ``04_optimization``).

Its notebook: ``exercises/source/optimizers/optimizers.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: The assignment hands no nnlib objects to learner code.
GIVEN: frozenset[str] = frozenset()
