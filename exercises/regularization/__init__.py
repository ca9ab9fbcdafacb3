"""The regularization assignment (chapter ``05_regularization``).

Its notebook: ``exercises/source/regularization/regularization.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: The assignment hands no nnlib objects to learner code.
GIVEN: frozenset[str] = frozenset()
