"""Small builders shared by the per-assignment check modules."""
from __future__ import annotations

import copy
import inspect
from typing import Callable

import numpy as np

from autograder.checks._core import PARTS, Aspect, Case, signature_names, unmodified, unpack


def randn(rng: np.random.Generator, *shape, scale=1.0, dtype=np.float64) -> np.ndarray:
    """Standard normal entries times ``scale``, in ``dtype``."""
    return (scale * rng.standard_normal(shape)).astype(dtype)


def shapes(**arrays) -> str:
    """``"X (4, 3), W (3, 2)"``: argument names with their shapes (and dtype when float32)."""
    parts = []
    for name, value in arrays.items():
        if isinstance(value, np.ndarray):
            dtype = ", float32" if value.dtype == np.float32 else ""
            parts.append(f"{name} {value.shape}{dtype}")
        else:
            parts.append(f"{name} = {value!r}")
    return ", ".join(parts)


def function_aspect(part: str, name: str, what: str, cases, reference: Callable,
                    returns: tuple[str, ...], graded: tuple[str, ...] | None = None,
                    owned: bool = True, **options) -> Aspect:
    """An aspect of a function part: call it with the case's arguments, grade some return values.

    ``returns`` names the values the function returns (one name: a single value), ``graded``
    the ones this aspect compares (default: all). ``reference`` has the learner's signature and
    computes the right answer from nnlib. ``owned`` (the default, as every notebook says: return
    new arrays): modifying an argument in place fails, naming it (see :func:`~._core.unmodified`);
    pass ``owned=False`` only for a part whose task has it write into an argument.
    """
    graded = returns if graded is None else graded

    def observe(impl, case: Case):
        args, kwargs = case.fresh_args()
        pristine = copy.deepcopy((args, kwargs)) if owned else None
        result = impl(*args, **kwargs)
        if owned:
            unmodified(part, signature_names(PARTS[part].signature), pristine, (args, kwargs))
        values = dict(zip(returns, unpack(result, returns, part)))
        return {key: values[key] for key in graded}

    def expect(case: Case):
        args, kwargs = case.fresh_args()
        values = dict(zip(returns, unpack(reference(*args, **kwargs), returns, part)))
        return {key: values[key] for key in graded}

    defaults = {n: p.default for n, p in inspect.signature(reference).parameters.items()
                if p.default is not inspect.Parameter.empty and not n.startswith("_")}
    options.setdefault("defaults", defaults)
    return Aspect(part=part, name=name, what=what, cases=cases, observe=observe, expect=expect,
                  **options)
