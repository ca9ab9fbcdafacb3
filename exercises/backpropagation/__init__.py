"""The backpropagation assignment (chapter ``02_backpropagation``).

Its notebook: ``exercises/source/backpropagation/backpropagation.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: What the assignment hands to learner code: ``numerical_gradient`` differentiates the loss of
#: a given ``Linear`` layer. Not its backward pass: the assignment asks for that.
GIVEN = frozenset({"Linear", "MSELoss"})
