"""A correct answer made noisy, as learners' answers are: numpy warnings at the top of the cell
and in every call, a Python warning and debugging output on stderr. A grader must not take any
of it for a failure (nbgrader fails a cell that writes to stderr).

Shared by the exercise tests and the security corpus's honest submissions.
"""

#: Appended to an answer cell that defines ``{name}`` (a function, or a class whose methods are
#: all wrapped); replace ``{name}`` with the part's name.
WARNING_SNIPPET = '''

import functools as _functools
import sys as _sys
import warnings as _warnings

np.log(np.zeros(1))  # "divide by zero encountered in log", at the top level of the answer cell


def _noisy(function):
    @_functools.wraps(function)
    def noisy(*args, **kwargs):
        np.log(np.zeros(1))
        _warnings.warn("a harmless warning from the learner's code", UserWarning)
        print("debugging output on stderr", file=_sys.stderr)
        return function(*args, **kwargs)
    return noisy


if isinstance({name}, type):
    for _attribute, _value in list(vars({name}).items()):
        if callable(_value):
            setattr({name}, _attribute, _noisy(_value))
else:
    {name} = _noisy({name})
'''


def noisy(answer: str, part: str) -> str:
    """``answer`` (an answer cell defining ``part``) with the noise appended."""
    return answer + WARNING_SNIPPET.replace("{name}", part)
