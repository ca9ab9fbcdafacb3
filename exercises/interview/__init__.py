"""The interview assignment (chapter ``07_interview``).

Its notebook: ``exercises/source/interview/interview.ipynb``.
Its parts and their checks: ``checks.py``. Its known mistakes: ``mistakes.py``.
"""

#: What the assignment hands to learner code: ``predict`` receives a trained model with batch
#: norm and dropout, and only runs it forward.
GIVEN = frozenset({"Sequential", "Linear", "ReLU", "BatchNorm1d", "Dropout"})
