"""The ``constant-factor`` symptom: a result that is ``c`` times nnlib's on every wrong case,
with ``c`` named from the case's own arguments (2, sqrt(3), N the batch size, the number of
entries, the sizes of the axes a mean divided by, 1/(1 - p), 1/(1 - beta1^t)...)."""
from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np

from autograder.checks._core import (
    Case, _array_leaves, argument_names, compare, constant_ratio, named_arguments,
)


def _candidates(case: Case, names: tuple[str, ...],
                defaults=None) -> list[tuple[str, str, str, float]]:
    """Constant factors a learner's result may be off by, from the case's own arguments (and
    the ``defaults`` of those it leaves out), as ``(key, symbol, explanation, value)``: the key
    is the same on every case (``"N"``), the explanation names this case's value (``"N = 5, the
    number of rows of X: the batch size"``)."""
    found = [("2", "2", "", 2.0), ("sqrt(2)", "sqrt(2)", "", math.sqrt(2)),
             ("sqrt(3)", "sqrt(3)", "", math.sqrt(3))]
    named = named_arguments(case, names)
    given = {n for n, _ in named}
    named += [(n, v) for n, v in (defaults or {}).items() if n not in given]
    scalars = {n: float(v) for n, v in named
               if isinstance(v, (int, float, np.integer, np.floating))
               and not isinstance(v, (bool, np.bool_))}
    first = True
    for name, value in named:
        leaves = list(_array_leaves(value))
        if isinstance(value, (list, tuple)) and len(leaves) > 1:
            found.append((f"arrays:{name}", f"{len(leaves)}", f"the number of arrays in {name}",
                          float(len(leaves))))
        for array in leaves:
            if array.ndim >= 1 and first:
                first = False
                if array.shape[0] > 1:
                    found.append(("N", "N", f"N = {array.shape[0]}, the number of rows of "
                                            f"{name}: the batch size", float(array.shape[0])))
                if array.ndim >= 2 and array.shape[-1] > 1:
                    found.append(("D", f"{array.shape[-1]}", f"the number of columns of {name}",
                                  float(array.shape[-1])))
            if array.size > 1 and len(leaves) == 1:
                found.append((f"size:{name}", f"{array.size}", f"the number of entries of {name}",
                              float(array.size)))
            if array.ndim >= 3 and len(leaves) == 1:
                for axes in _axis_subsets(array.ndim):
                    sizes = [array.shape[a] for a in axes]
                    product = math.prod(sizes)
                    found.append((f"axes{axes}:{name}", f"{product}",
                                  f"{' x '.join(map(str, sizes))}, the sizes of axes "
                                  f"{', '.join(map(str, axes))} of {name}", float(product)))
    p = scalars.get("p")
    if p is not None and 0 < p < 1:
        found += [("1/(1-p)", "1/(1 - p)", f"p = {p:g}", 1 / (1 - p)),
                  ("1-p", "(1 - p)", f"p = {p:g}", 1 - p)]
    t = scalars.get("t", scalars.get("step"))
    for beta_name in ("beta", "beta1", "beta2", "alpha", "momentum"):
        beta = scalars.get(beta_name)
        if beta is None or not 0 < beta < 1:
            continue
        found.append((f"1-{beta_name}", f"(1 - {beta_name})", f"{beta_name} = {beta:g}", 1 - beta))
        if t is not None and t >= 1 and beta ** t > 1e-12:
            corr = 1 - beta ** t
            found += [(f"bias:{beta_name}", f"1/(1 - {beta_name}^t)",
                       f"a bias correction, t = {t:g}", 1 / corr),
                      (f"sqrt-bias:{beta_name}", f"1/sqrt(1 - {beta_name}^t)",
                       f"a bias correction under a square root, t = {t:g}", 1 / math.sqrt(corr))]
    for name in ("lr", "strength", "weight_decay", "max_norm"):
        if scalars.get(name) not in (None, 0.0, 1.0):
            found.append((name, name, f"{name} = {scalars[name]:g}", scalars[name]))
    return found


def _axis_subsets(ndim: int) -> list[tuple[int, ...]]:
    """The sets of two or more axes, short of all of them: what a mean may have divided by."""
    return [c for k in range(2, ndim) for c in combinations(range(ndim), k)]


def _name_factor(c: float, candidates) -> dict[str, str]:
    """``{key: label}`` of the candidates that ``c`` is (or is one over)."""
    named = {}
    for key, symbol, explanation, value in candidates:
        if value <= 0 or abs(value - 1) < 1e-9:
            continue
        note = f" ({explanation})" if explanation else ""
        if abs(c / value - 1) < 1e-4:
            named[key] = symbol + note
        elif abs(c * value - 1) < 1e-4:
            if symbol.startswith("1/"):
                inverse = symbol[2:]
            else:
                inverse = "1/" + (f"({symbol})" if " " in symbol and not symbol.startswith("(")
                                  else symbol)
            named["1/" + key] = inverse + note
    return named


def _ratios(value, wanted) -> list[tuple[float, Any]] | None:
    """``[(c, nnlib's array)]``: the constant ratio value / wanted of each wrong array (one for
    an array or a number, one per wrong array of a list); None if some ratio is not constant."""
    if isinstance(wanted, list):
        if not isinstance(value, (list, tuple)) or len(value) != len(wanted):
            return None
        out = []
        for v, w in zip(value, wanted):
            try:
                same = np.allclose(np.asarray(v, np.float64), np.asarray(w, np.float64),
                                   rtol=1e-6, atol=1e-12)
            except (TypeError, ValueError):
                return None
            if same:
                continue
            r = _ratios(v, w)
            if r is None:
                return None
            out += r
        return out or None
    try:
        c = constant_ratio(value, wanted)
        if c is None and np.size(wanted) == 1:  # one entry: its ratio, which the factor's name
            got, want = float(np.ravel(value)[0]), float(np.ravel(wanted)[0])  # must then fit
            c = got / want if want != 0 and math.isfinite(got / want) and got != 0 else None
    except (TypeError, ValueError, IndexError):
        return None
    return None if c is None or abs(c - 1) < 1e-6 else [(c, wanted)]


def constant_factor(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """Every wrong field is c times nnlib's on every case where it is wrong, with c named the
    same way on each (a list of arrays: on each wrong array); the first such field is named."""
    names = argument_names(aspect)
    fields: dict[str, Any] = {}
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is None:
            return None
        for name, wanted in exp.items():
            value = outcome.value.get(name)
            if not compare(aspect, case, {name: value}, {name: wanted}) or fields.get(
                    name, ...) is None:
                continue  # right on this case, or already not a constant factor
            ratios = (None if isinstance(wanted, (str, bool, tuple, int))
                      else _ratios(value, wanted))
            if not ratios:
                fields[name] = None
                continue
            candidates = _candidates(case, names, aspect.defaults)
            keys = None
            for c, array in ratios:
                here = _name_factor(c, candidates + [
                    ("each-size", f"{np.size(array)}", "the number of entries of that array",
                     float(np.size(array)))] * isinstance(wanted, list))
                keys = here if keys is None else {k: v for k, v in keys.items() if k in here}
            before = fields.get(name)
            if before is not None:
                keys = {k: v for k, v in before[1].items() if k in keys}
            fields[name] = (before[0] if before else ratios[0][0], keys,
                            before[2] if before else case) if keys else None
    if not fields or not all(fields.values()):
        return None  # some wrong result is not a constant factor: something else is wrong too
    for name, found in fields.items():
        if found:
            c, keys, case = found
            which = " or ".join(list(keys.values())[:2])
            advice = " ".join(dict.fromkeys(_advice(key) for key in list(keys)[:2]))
            hint = (f"{name}: your result is nnlib's times {which}, on every case where it is "
                    f"wrong ({c:.6g} on {case.label}). {advice}")
            return "constant-factor", hint
    return None


def _advice(key: str) -> str:
    """What a factor named by ``key`` (a :func:`_candidates` key, or ``1/`` and one) usually
    means in a learner's code."""
    if key.endswith(("(1-p)", "1-p")):
        return "The dropout scale 1/(1 - p): applied where it does not belong, or missing."
    key = key.removeprefix("1/")
    if key == "2":
        return ("A 2 too many or too few: the derivative of a square (d/dw w^2 = 2w) taken "
                "twice or not at all, a 1/2 in front of a sum of squares, or a central "
                "difference divided by eps instead of 2 eps (or the reverse).")
    if key.startswith("sqrt("):
        return ("A square-root constant too many or too few: He's sqrt(2 / fan_in), or a "
                "uniform bound that is sqrt(3) times the standard deviation.")
    if key in ("N", "D", "each-size") or key.startswith(("size:", "axes", "arrays:")):
        return ("A mean where a sum is asked, or a sum where a mean is: check which axes you "
                "average over and which you add up.")
    if key.startswith("1-"):
        return (f"A (1 - {key[2:]}) factor too many or too few: in a moving average, the new "
                f"value is weighted by (1 - {key[2:]}).")
    if key.startswith(("bias:", "sqrt-bias:")):
        return ("A bias correction 1/(1 - beta^t) where it does not belong (the stored state "
                "stays uncorrected: only the step uses the corrected values), or missing.")
    return f"{key} applied twice, or not at all."


__all__ = ["constant_factor"]
