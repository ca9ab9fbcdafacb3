"""Tracing the learner's code: the line where something first went wrong.

The symptoms (:mod:`._symptoms`) name a mistake; these functions say where it happened, by
re-running the learner's function under :func:`sys.settrace` and watching its local variables
(:func:`first_line`: the first float64 or nan value) or the arrays it was given
(:func:`first_change`: the first write into the caller's array). Only frames of the learner's
code are traced, not numpy's, nnlib's or the checks'.
"""
from __future__ import annotations

import linecache
import math
import os
import sys
import sysconfig
from typing import Any, Callable

import numpy as np

from autograder import content
from autograder.checks._core import _PACKAGE_DIR, _array_leaves

_NUMPY_DIR = os.path.dirname(np.__file__)
#: Python's own library (copy, functools...), which the learner's code and the checks call.
_STDLIB_DIRS = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib")})


def _is_learners(filename: str) -> bool:
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    ours = (_PACKAGE_DIR, _NUMPY_DIR, *_STDLIB_DIRS, *map(str, content.source_paths()))
    return not (path.startswith(ours) or "/nnlib/" in path or "site-packages" in path
                or filename.startswith("<frozen"))


def run_traced(call: Callable[[], Any], tracer) -> None:
    """Run ``call()`` under the :func:`sys.settrace` function ``tracer``. An exception ends the
    call, not the search (the learner's code, or the check's complaint, may raise): what the
    tracer saw before it stands."""
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    except Exception:  # noqa: BLE001 - what was seen before the exception stands
        pass
    finally:
        sys.settrace(previous)


def _traced(call: Callable[[], Any], tracer, found: list[tuple[str, int]]):
    """Run ``call()`` under ``tracer``, which appends ``(filename, line)`` to ``found``; the
    first one found, with its source line, or None."""
    run_traced(call, tracer)
    if not found:
        return None
    filename, line = found[0]
    return filename, line, linecache.getline(filename, line).strip()


def first_line(call: Callable[[], Any], bad: Callable[[Any], bool]) -> tuple[str, int, str] | None:
    """Run ``call()`` and find the first line of the learner's code after which one of its
    local variables (or the value it returns) is ``bad``, when it was not before.

    Returns ``(filename, line number, source line or "")``, or None. Only frames of the
    learner's code are traced (not numpy's, nnlib's or the checks').
    """
    found: list[tuple[str, int]] = []

    def bad_names(frame) -> set[str]:
        names = set()
        for name, value in list(frame.f_locals.items()):
            try:
                if bad(value):
                    names.add(name)
            except Exception:  # noqa: BLE001 - a local that cannot be inspected
                pass
        return names

    def tracer(frame, event, arg):
        if event != "call" or not _is_learners(frame.f_code.co_filename):
            return None
        state = {"seen": bad_names(frame), "line": frame.f_lineno}

        def local(frame, event, arg):
            if found:
                return None
            if event in ("line", "return"):
                now = bad_names(frame)
                returned = event == "return"
                if now - state["seen"] or (returned and _safe(bad, arg)):
                    line = frame.f_lineno if returned else state["line"]
                    found.append((frame.f_code.co_filename, line))
                    return None
                state["seen"], state["line"] = now, frame.f_lineno
            return local

        return local

    return _traced(call, tracer, found)


def first_change(call: Callable[[], Any], argument: str) -> tuple[str, int, str] | None:
    """Run ``call()`` and find the line of the learner's code after which the array their
    function received as ``argument`` (or an array inside it, for a list) first changed.

    Returns ``(filename, line number, source line)``, or None.
    """
    found: list[tuple[str, int]] = []

    def tracer(frame, event, arg):
        if found or event != "call" or not _is_learners(frame.f_code.co_filename):
            return None
        given = frame.f_locals.get(argument)
        watched = [(a, a.copy()) for a in _array_leaves(given)] if given is not None else []
        if not watched:
            return None
        state = {"line": frame.f_lineno}

        def local(frame, event, arg):
            if found:
                return None
            if event in ("line", "return"):
                if any(not np.array_equal(a, before, equal_nan=True) for a, before in watched):
                    found.append((frame.f_code.co_filename, state["line"]))
                    return None
                state["line"] = frame.f_lineno
            return local

        return local

    return _traced(call, tracer, found)


def _safe(predicate, value) -> bool:
    try:
        return bool(predicate(value))
    except Exception:  # noqa: BLE001
        return False


def is_float64(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype == np.float64
    if isinstance(value, np.float64):
        return True
    return isinstance(value, (list, tuple)) and any(is_float64(v) for v in value)


def is_non_finite(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and not np.isfinite(value).all()
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    return isinstance(value, (list, tuple)) and any(is_non_finite(v) for v in value)


def is_nan_or_overflow(value) -> bool:
    """nan or +inf somewhere in ``value``: -inf alone is often meant (a mask before a softmax)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and bool(np.isnan(value).any() or np.isposinf(
            value.real).any())
    if isinstance(value, (float, np.floating)):
        return math.isnan(value) or value == math.inf
    return isinstance(value, (list, tuple)) and any(is_nan_or_overflow(v) for v in value)


def where(found: tuple[str, int, str] | None) -> str:
    if found is None:
        return ""
    _, line, text = found
    return f" It first appears on line {line} of your code" + (f": `{text}`" if text else "")


#: Calls and constants that turn float32 into float64, as they appear in code.
PROMOTERS = (
    ("np.sqrt(", "np.sqrt of a Python number is a float64 scalar (use math.sqrt or ** 0.5)"),
    ("np.power(", "np.power with a float64 argument returns float64"),
    ("np.pi", "np.pi is a float64 scalar (math.pi is a Python float and keeps float32)"),
    ("np.exp(", "np.exp of a Python number is a float64 scalar (use math.exp)"),
    ("np.log(", "np.log of a Python number is a float64 scalar (use math.log)"),
    ("np.float64", "np.float64 makes float64 values"),
    ("np.zeros(", "np.zeros(shape) without dtype= is float64 (use np.zeros_like(x))"),
    ("np.ones(", "np.ones(shape) without dtype= is float64 (use np.ones_like(x))"),
    ("np.empty(", "np.empty(shape) without dtype= is float64 (use np.empty_like(x))"),
    ("np.array(", "np.array of Python numbers is float64 (pass dtype=x.dtype)"),
    ("np.full(", "np.full without dtype= is float64 (use np.full_like(x, value))"),
    ("astype(float)", "astype(float) is float64 (use astype(x.dtype))"),
    ("astype(np.float64)", "astype(np.float64) is float64 (use astype(x.dtype))"),
    (".normal(", "rng.normal and rng.standard_normal draw float64 unless you convert them"),
    (".uniform(", "rng.uniform draws float64 unless you convert it"),
    (".random(", "rng.random draws float64 unless you pass dtype="),
    (".standard_normal(", "rng.standard_normal draws float64 unless you pass dtype="),
    ("erf", "scipy's erf, math.erf through np.vectorize and similar return float64"),
)


__all__ = ["PROMOTERS", "first_change", "first_line", "is_float64", "is_nan_or_overflow",
           "is_non_finite", "run_traced", "where"]
