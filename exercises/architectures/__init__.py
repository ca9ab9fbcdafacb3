"""The architectures assignment (chapter ``06_architectures``).

Its notebook: ``exercises/source/architectures/architectures.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: What the assignment hands to learner code: its residual and dense blocks wrap given
#: ``Sequential(Linear, ReLU, ...)`` modules and call their backward passes.
GIVEN = frozenset({"Sequential", "Sequential.backward", "Linear", "Linear.backward", "ReLU",
                   "ReLU.backward"})
