"""The activations assignment (chapter ``03_activations``).

Its notebook: ``exercises/source/activations/activations.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: The assignment hands no nnlib objects to learner code.
GIVEN: frozenset[str] = frozenset()
