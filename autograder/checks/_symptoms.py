"""Name a mistake by its symptom when no known mistake of the bank behaves like the learner's code.

Each symptom is a fact about the learner's outcomes, checked on every case of the aspect, and
its hint says what usually causes it:

- ``in-place``: an array the caller owns (an input, a state array) changed during the call; the
  line of the learner's code that changed it (:func:`first_change`);
- ``keepdims``: a broadcast error between an array and its reduction over the last axis;
- ``pad-every-axis``: np.pad with one number on images (it pads the batch and channel axes);
- ``nan-inf``: nan or inf where nnlib is finite; the line of the learner's code where the first
  one appeared (found by tracing their code, :func:`first_line`), and numpy's warning;
- ``float64``: a float64 result for float32 inputs; the line where the first float64 value
  appeared (``np.sqrt(2)``, ``np.power``, an array made without ``dtype=``...);
- ``constant-factor``: a result that is ``c`` times nnlib's on every case, with ``c`` named
  (2, 1/2, sqrt(2), sqrt(3), N the batch size, the number of entries, 1/(1 - p),
  1/(1 - beta^t)...) from the case's own arguments;
- ``off-by-one``: counts (ints, lists of ints) off by one step of a loop: one growth too many
  or too few, a list shifted by one entry or one entry longer or shorter;
- ``other-axis``: a result with one entry per row where nnlib has one per column, or the other
  way round (a sum or mean over the wrong axis);
- ``transposed``: the transpose of nnlib's matrix;
- ``only-at-zero``: wrong only where the input is exactly 0 (the convention at a kink);
- ``all-zeros``: all zeros where nnlib's result is not (an array never filled);
- ``argument-returned``: one of the arguments returned unchanged (the old state, the input);
- ``negatives-zeroed``: nnlib's result with its negative entries set to 0 (a ReLU too many);
- ``reciprocal``: one over nnlib's result (a ratio upside down);
- ``sign-flipped``, ``outputs-swapped``, ``arguments-swapped``, ``argument-ignored``: nnlib
  re-run with the sign of one result flipped, two results or two same-shaped arguments swapped,
  or one argument at its default value (a value written into the code);
- ``only-large``, ``only-tiny``, ``only-zeros``, ``only-later-steps``, ``only-one-flag-value``,
  ``only-zero-argument``, ``only-one-mode``: wrong on exactly the cases of one kind
  (:func:`~._core.case_kinds`), a few among many right ones, with what usually goes wrong there;
- the aspect's own probes (:class:`~._core.Probe`): nnlib re-run on changed inputs, e.g. a step
  counter off by one (``step-ahead``, ``step-behind``) or a mode mix-up.

A symptom is named only when it holds on every case where the learner's result is wrong (and
says nothing false on the others), so that a hint appears only for its mistake. Each hint ends
with ``[symptom: <id>]``.
"""
from __future__ import annotations

import linecache
import math
import os
import re
import sys
from typing import Any, Callable

import numpy as np

from autograder import content
from autograder.checks._core import (
    _PACKAGE_DIR, Aspect, Case, Outcome, Probe, _array_leaves, argument_names, case_kinds,
    compare, outcomes_agree, reference, run,
)

#: How a symptom is tagged in a failure message: ``[symptom: <id>]``.
SYMPTOM_TAG = "symptom: "

_NUMPY_DIR = os.path.dirname(np.__file__)


# --- tracing the learner's code ----------------------------------------------------------------

def _is_learners(filename: str) -> bool:
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    ours = (_PACKAGE_DIR, _NUMPY_DIR, *map(str, content.source_paths()))
    return not (path.startswith(ours) or "/nnlib/" in path or "site-packages" in path
                or filename.startswith("<frozen"))


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

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    except Exception:  # noqa: BLE001 - the learner's code may raise; what was found stands
        pass
    finally:
        sys.settrace(previous)
    if not found:
        return None
    filename, line = found[0]
    return filename, line, linecache.getline(filename, line).strip()


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

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    except Exception:  # noqa: BLE001 - the check's own complaint about the change ends the call
        pass
    finally:
        sys.settrace(previous)
    if not found:
        return None
    filename, line = found[0]
    return filename, line, linecache.getline(filename, line).strip()


def _safe(predicate, value) -> bool:
    try:
        return bool(predicate(value))
    except Exception:  # noqa: BLE001
        return False


def _is_float64(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype == np.float64
    if isinstance(value, np.float64):
        return True
    return isinstance(value, (list, tuple)) and any(_is_float64(v) for v in value)


def _is_non_finite(value) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and not np.isfinite(value).all()
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    return isinstance(value, (list, tuple)) and any(_is_non_finite(v) for v in value)


def _where(found: tuple[str, int, str] | None) -> str:
    if found is None:
        return ""
    _, line, text = found
    return f" It first appears on line {line} of your code" + (f": `{text}`" if text else "")


#: Calls and constants that turn float32 into float64, as they appear in code.
_PROMOTERS = (
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


# --- the symptoms ------------------------------------------------------------------------------

def _tag(symptom_id: str, hint: str) -> tuple[str, str]:
    return symptom_id, hint


def _float64(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    for case, outcome, exp in zip(cases, outcomes, expected):
        if not case.float32 or outcome.value is None:
            continue
        for name, value in outcome.value.items():
            wanted = exp.get(name)
            got64 = (isinstance(value, np.ndarray) and value.dtype == np.float64) or (
                name == "dtype" and value == "float64")
            if got64 and (isinstance(wanted, np.ndarray) and wanted.dtype == np.float32
                          or wanted == "float32"):
                found = first_line(lambda: aspect.observe(impl, case), _is_float64)
                text = found[2] if found else ""
                causes = [why for code, why in _PROMOTERS if code in text]
                hint = (f"{name}: you returned float64 for float32 input ({case.label}).")
                hint += _where(found) + ("." if found else "")
                if causes:
                    hint += " There, " + "; ".join(causes[:2]) + "."
                hint += (" Keep the input's dtype: compute with Python numbers (math.sqrt(2), "
                         "2 ** 0.5) and make arrays with np.zeros_like(x) or dtype=x.dtype.")
                return _tag("float64", hint)
    return None


def _non_finite(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is None:
            continue
        for name, value in outcome.value.items():
            wanted = exp.get(name)
            if not (_is_non_finite(value) and not _is_non_finite(wanted)):
                continue
            kinds = sorted({("nan" if np.isnan(v) else "inf")
                            for a in _array_leaves(value if not np.isscalar(value)
                                                   else np.asarray(value))
                            for v in np.asarray(a, np.float64).ravel() if not np.isfinite(v)})
            what = " and ".join(kinds)
            found = first_line(lambda: aspect.observe(impl, case), _is_non_finite)
            hint = f"{name}: your result has {what} where nnlib's is finite ({case.label})."
            hint += _where(found) + ("." if found else "")
            warned = sorted({w.split(": ", 1)[-1] for w in outcome.warnings
                             if w.startswith("RuntimeWarning")})
            if warned:
                hint += " numpy warned: " + "; ".join(warned[:3]) + "."
            hint += (" exp of a large number overflows to inf; 0/0, inf - inf and inf/inf give "
                     "nan; log(0) is -inf and the log or square root of a negative number nan.")
            return _tag("nan-inf", hint)
    return None


_BROADCAST = re.compile(r"operands could not be broadcast together with shapes ([\d(), ]+?) "
                        r"\(([\d, ]*)\)")


def _shape(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.strip("() ").split(",") if v.strip())


def _dropped_axis(error: BaseException) -> tuple[tuple, tuple] | None:
    """The two shapes of a broadcast error when one is the other without its last axis."""
    found = _BROADCAST.search(str(error))
    if not isinstance(error, ValueError) or not found:
        return None
    shapes = [_shape(found.group(1))] + [_shape(found.group(2))]
    big, small = sorted(shapes, key=len, reverse=True)[:2]
    if len(big) >= 2 and big[:-1] == small and big[-1] != 1:
        return big, small
    return None


def _keepdims(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """A broadcast error between an array and its own reduction over the last axis."""
    for case, outcome in zip(cases, outcomes):
        shapes = _dropped_axis(outcome.error) if outcome.error is not None else None
        if shapes:
            big, small = shapes
            return _tag("keepdims", f"Your code combines an array of shape {big} with one of "
                        f"shape {small} ({case.label}): a sum, mean or max over the last axis "
                        f"that dropped that axis. Pass keepdims=True (shape {big[:-1] + (1,)}) "
                        f"so that each row's value lines up with its row.")
    return None


def _pad_every_axis(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """np.pad called with a single number on an array of 3 or more axes (it pads all of them,
    the batch and channel axes too), seen by re-running the first wrong case."""
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is not None and not compare(aspect, case, outcome.value, exp):
            continue
        calls = []
        original = np.pad

        def recording_pad(array, pad_width, *args, **kwargs):
            calls.append((np.ndim(array), pad_width))
            return original(array, pad_width, *args, **kwargs)

        np.pad = recording_pad
        try:
            aspect.observe(impl, case)
        except Exception:  # noqa: BLE001 - the learner's code may raise; the calls stand
            pass
        finally:
            np.pad = original
        for ndim, width in calls:
            if ndim >= 3 and np.ndim(width) == 0 and width:
                return _tag("pad-every-axis", f"np.pad(x, {width!r}) pads every axis of x by "
                            f"{width!r}, the batch and channel axes too ({case.label}). Give one "
                            f"(before, after) pair per axis: np.pad(x, ((0, 0), (0, 0), (p, p), "
                            f"(p, p))).")
        return None
    return None


def _in_place(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """An array the caller owns (an input or a state array) changed during the call."""
    for case, outcome in zip(cases, outcomes):
        if not outcome.modified:
            continue
        name = outcome.modified
        found = first_change(lambda: aspect.observe(impl, case), name)
        hint = f"`{name}` is changed in place by your code ({case.label})"
        if found:
            hint += f": on line {found[1]}" + (f", `{found[2]}`" if found[2] else "")
        hint += (f". Write the result to a new array there (`{name}_new = ...`) or start from a "
                 f"copy (`{name} = {name}.copy()`).")
        return _tag("in-place", hint)
    return None


def _candidates(case: Case, names: tuple[str, ...],
                defaults=None) -> list[tuple[str, str, str, float]]:
    """Constant factors a learner's result may be off by, from the case's own arguments (and
    the ``defaults`` of those it leaves out), as ``(key, symbol, explanation, value)``: the key
    is the same on every case (``"N"``), the explanation names this case's value (``"N = 5, the
    number of rows of X: the batch size"``)."""
    found = [("2", "2", "", 2.0), ("sqrt(2)", "sqrt(2)", "", math.sqrt(2)),
             ("sqrt(3)", "sqrt(3)", "", math.sqrt(3))]
    named = [(names[i] if i < len(names) else f"argument {i + 1}", v)
             for i, v in enumerate(case.args)] + list(dict(case.kwargs).items())
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
                    found.append((f"axes{axes}:{name}", f"{math.prod(sizes)}",
                                  f"{' x '.join(map(str, sizes))}, the sizes of axes "
                                  f"{', '.join(map(str, axes))} of {name}", float(math.prod(sizes))))
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
    from itertools import combinations

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
    from autograder.checks._core import constant_ratio

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


def _constant_factor(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """A field that is c times nnlib's on every case where it is wrong, with c named the same
    way on each (a list of arrays: on each wrong array)."""
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
    for name, found in fields.items():
        if found:
            c, keys, case = found
            which = " or ".join(list(keys.values())[:2])
            hint = (f"{name}: your result is nnlib's times a constant factor, {which}, on "
                    f"every case where it is wrong ({c:.6g} on {case.label}). Look for a factor "
                    f"your code has and the formula does not, or the other way round: a sum "
                    f"where a mean is asked (or a mean where a sum is), a missing or extra 2 or "
                    f"1/2, a square root, a scale such as 1/(1 - p), or a bias correction "
                    f"1/(1 - beta^t) applied where it does not belong (or missing).")
            return _tag("constant-factor", hint)
    return None


def _other_axis(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """One entry per row where nnlib has one per column (or the reverse), on every such case."""
    names = argument_names(aspect)
    seen = None
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is None:
            return None
        arrays = [a for v in case.args for a in _array_leaves(v) if a.ndim == 2]
        if not arrays:
            continue
        n, d = arrays[0].shape
        for name, wanted in exp.items():
            value = outcome.value.get(name)
            if not isinstance(wanted, np.ndarray) or not isinstance(value, np.ndarray):
                continue
            if not compare(aspect, case, {name: value}, {name: wanted}):
                continue
            swapped = tuple(n if s == d else d if s == n else s for s in wanted.shape)
            if _is_transpose(value, wanted):
                return None  # the values are all there, in the other layout: not a reduction
            if n != d and value.shape == swapped and value.shape != wanted.shape:
                seen = (name, case, wanted.shape, value.shape)
            else:
                return None
    if seen is None:
        return None
    name, case, want, got = seen
    first = names[0] if names else "the input"
    hint = (f"{name}: nnlib's has shape {want} and yours {got} ({case.label}): you reduced "
            f"over the other axis. For a batch of shape (N, features), a sum or mean over the "
            f"examples is axis=0 (one value per feature); over the features, axis=1 (one per "
            f"example). Check the axis= of your sums, means and max in {first}'s computation.")
    return _tag("other-axis", hint)


def _integers(value) -> list[int] | None:
    """An int, or a list or integer array of them, as a flat list; None for anything else."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    if isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            for v in value):
        return [int(v) for v in value]
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.ndim == 1:
        return [int(v) for v in value]
    return None


def _count_slips(got: list[int], want: list[int], scalars: dict[str, float]) -> dict[str, str]:
    """``{kind: words}``: the ways a list of counts may be off by one step of a loop (a number
    off by one of the case's integer arguments counts as a list of one)."""
    if len(got) == len(want) == 1:
        diff = got[0] - want[0]
        more = "many" if diff > 0 else "few"
        return {f"{name}:{more}": f"one {name} too {more} ({name} = {value:g})"
                for name, value in scalars.items() if value and abs(diff) == value}
    if len(got) == len(want) >= 2:
        if got[:-1] == want[1:]:
            return {"late": "each entry is the one after nnlib's: your loop starts one step "
                            "too late"}
        if got[1:] == want[:-1]:
            return {"early": "each entry is the one before nnlib's: your loop starts one step "
                             "too early"}
    elif len(got) == len(want) + 1 and (got[:-1] == want or got[1:] == want):
        return {"extra": "one entry too many: your loop runs one time too many"}
    elif len(got) + 1 == len(want) and (want[:-1] == got or want[1:] == got):
        return {"missing": "one entry too few: your loop runs one time too few"}
    return {}


def _off_by_one(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """Counts (ints, lists of ints) off by one step of a loop, the same way on every wrong case
    (a list of one entry, where a shift cannot be seen, agrees with any kind)."""
    names = argument_names(aspect)
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    kinds: dict[str, tuple[dict[str, str] | None, Case]] = {}
    for case, name, value, wanted in wrong:
        got, want = _integers(value), _integers(wanted)
        if got is None or want is None:
            return None
        named = [(names[i] if i < len(names) else "", v) for i, v in enumerate(case.args)]
        named += list(dict(case.kwargs).items())
        scalars = {n: float(v) for n, v in named if n and isinstance(v, (int, np.integer))
                   and not isinstance(v, (bool, np.bool_))}
        here = _count_slips(got, want, scalars)
        if not here:
            return None
        scalar_list = isinstance(wanted, (list, tuple, np.ndarray)) and len(want) == 1
        before, first = kinds.get(name, (None, case))
        if scalar_list:
            kinds.setdefault(name, (None, case))
            continue
        if before is not None:
            here = {k: v for k, v in before.items() if k in here}
            if not here:
                return None
        kinds[name] = (here, first)
    found = [(name, words, case) for name, (words, case) in kinds.items() if words]
    if not found:
        return None
    slips = "; ".join(f"{name}: {next(iter(words.values()))}" for name, words, _ in found)
    return _tag("off-by-one", f"{slips}, on every case where it is wrong (first seen on "
                f"{found[0][2].label}). Count by hand on the smallest case: which values does "
                f"your range() or loop take, and which should it?")


def _wrong_fields(aspect, cases, outcomes, expected):
    """``(case, name, value, wanted)`` for each field whose values the learner got wrong (not
    only their dtype); None if some outcome has no value (an error, a return problem)."""
    found = []
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is None:
            return None
        for name, wanted in exp.items():
            value = outcome.value.get(name)
            if not compare(aspect, case, {name: value}, {name: wanted}):
                continue
            pair = _as_arrays(value, wanted)
            if pair is not None and pair[0].shape == pair[1].shape and np.allclose(
                    pair[0], pair[1], rtol=1e-4, atol=1e-6, equal_nan=True):
                continue  # the values are right, the dtype is not: another symptom's business
            found.append((case, name, value, wanted))
    return found


def _as_arrays(value, wanted):
    try:
        got, want = np.asarray(value, np.float64), np.asarray(wanted, np.float64)
    except (TypeError, ValueError):
        return None
    if got.shape != want.shape or isinstance(wanted, (str, bool, list, tuple)):
        return None
    return got, want


def _only_at_zero(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """Wrong only where the input is exactly 0 (the value at a kink)."""
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    for case, name, value, wanted in wrong:
        pair = _as_arrays(value, wanted)
        x = next((a for v in case.args for a in _array_leaves(v)), None)
        if pair is None or x is None or x.shape != pair[0].shape:
            return None
        got, want = pair
        rtol, atol = (1e-4, 1e-6) if case.float32 else (1e-6, 1e-9)
        close = np.isclose(got, want, rtol=rtol, atol=atol)
        if close.all() or not close[x != 0].all():
            return None
    name = argument_names(aspect)[:1] or ("x",)
    return _tag("only-at-zero", f"Your result differs from nnlib's only where {name[0]} is "
                "exactly 0: the value at the kink is a convention, and the task gives it (e.g. "
                "the derivative of ReLU at 0 is 0, of leaky ReLU negative_slope). Check your "
                "comparison there: > or >=, < or <=.")


def _is_transpose(value, wanted) -> bool:
    return (isinstance(wanted, np.ndarray) and isinstance(value, np.ndarray)
            and wanted.ndim == 2 and value.shape == wanted.shape[::-1]
            and np.allclose(value.T, wanted, rtol=1e-4, atol=1e-8))


def _transposed(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """The transpose of nnlib's matrix wherever it is wrong."""
    wrong = []
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is None:
            return None
        for name, wanted in exp.items():
            value = outcome.value.get(name)
            if compare(aspect, case, {name: value}, {name: wanted}):
                wrong.append((name, value, wanted))
    if not wrong:
        return None
    if not all(_is_transpose(value, wanted) for _, value, wanted in wrong):
        return None
    name = wrong[0][0]
    return _tag("transposed", f"{name}: your result is the transpose of nnlib's: the factors of "
                "a matrix product in the wrong order or a transpose too many or too few. Work "
                "out the shapes: each gradient has the shape of what it is the gradient of.")


def _reciprocal(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """Exactly one over nnlib's result wherever it is wrong."""
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    for case, name, value, wanted in wrong:
        pair = _as_arrays(value, wanted)
        if pair is None or not np.isfinite(pair[0]).all() or not (pair[1] != 0).all():
            return None
        if not np.allclose(pair[0] * pair[1], 1.0, rtol=1e-5, atol=0):
            return None
    name = wrong[0][1]
    return _tag("reciprocal", f"{name}: your result is one over nnlib's on every case where it "
                "is wrong: a ratio upside down (the numerator and the denominator swapped).")


def _argument_returned(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """A wrong result that is one of the arguments, unchanged, on every case where it is wrong."""
    names = argument_names(aspect)
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    seen = None
    for case, name, value, wanted in wrong:
        pair = _as_arrays(value, wanted)
        if pair is None:
            return None
        given = [(names[i] if i < len(names) else f"argument {i + 1}", a)
                 for i, a in enumerate(case.args)] + list(dict(case.kwargs).items())
        same = {n for n, a in given if isinstance(a, np.ndarray) and a.shape == pair[0].shape
                and np.array_equal(np.asarray(a, np.float64), pair[0])}
        if not same:
            return None
        seen = (name, same if seen is None or seen[0] != name else seen[1] & same)
        if not seen[1]:
            return None
    name, same = seen
    argument = sorted(same)[0]
    return _tag("argument-returned", f"{name}: you returned the `{argument}` you were given, "
                f"unchanged, on every case where it is wrong. Did you compute the new value "
                f"under another name and return the old one, or skip the update on some path?")


def _all_zeros(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """All zeros where nnlib's result is not, on every case where it is wrong."""
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    for case, name, value, wanted in wrong:
        pair = _as_arrays(value, wanted)
        if pair is None or pair[0].size < 2 or pair[0].any() or not pair[1].any():
            return None
        if np.isin(pair[1], (0.0, 1.0)).all():
            return None  # labels or a mask: all zeros is a prediction, not an array left empty
    name = wrong[0][1]
    return _tag("all-zeros", f"{name}: your result is all zeros where nnlib's is not: an array "
                "made with np.zeros and never filled (a loop that never runs, or results written "
                "into a copy or another array) or a return before the computation.")


def _negatives_zeroed(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """nnlib's result with its negative entries set to 0 (a ReLU too many)."""
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    for case, name, value, wanted in wrong:
        pair = _as_arrays(value, wanted)
        if pair is None or not np.allclose(pair[0], np.maximum(pair[1], 0), rtol=1e-5,
                                           atol=1e-8):
            return None
    name = wrong[0][1]
    return _tag("negatives-zeroed", f"{name}: your result is nnlib's with every negative entry "
                "replaced by 0: a ReLU (or a clip at 0) where there should be none, e.g. after "
                "the last layer, whose output is a raw score.")


def _negated(value):
    """``-value`` for floats and float arrays (and lists of them); None for anything else."""
    if isinstance(value, (list, tuple)):
        parts = [_negated(v) for v in value]
        return None if any(p is None for p in parts) else type(value)(parts)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return -value
    if isinstance(value, (float, np.floating)):
        return -value
    return None


def _with_output(theirs: dict, change: Callable[[dict], dict | None]) -> dict:
    changed = change(theirs)
    if changed is None:
        raise ValueError("this change does not apply to this observation")
    return changed


def _general_probes(aspect: Aspect, cases: list[Case]) -> list[Probe]:
    """Probes that hold for any function part, made from its arguments and returned values:
    a sign flipped, two returned values swapped, two arguments swapped, and an argument
    ignored (nnlib re-run with it at its default value)."""
    probes = []
    fields = list(reference(aspect, cases[0])) if cases else []
    for name in fields:
        def flip(theirs, name=name):
            negated = _negated(theirs[name])
            return None if negated is None else {**theirs, name: negated}
        probes.append(Probe(
            "sign-flipped", f"{name}: your result is minus nnlib's on every case where it is "
            f"wrong: a sign flipped. Check the order of a subtraction (prediction - target or "
            f"target - prediction) and every minus sign in your formula.",
            change=lambda case: case, output=lambda t, flip=flip: _with_output(t, flip)))
    for i, first in enumerate(fields):
        for second in fields[i + 1:]:
            def swap(theirs, a=first, b=second):
                return {**theirs, a: theirs[b], b: theirs[a]}
            probes.append(Probe(
                "outputs-swapped", f"Your `{first}` is nnlib's `{second}` and the other way "
                f"round: return your values in the order the task gives, ({', '.join(fields)}).",
                change=lambda case: case, output=swap))
    names = argument_names(aspect)
    for i, first in enumerate(names):
        for j in range(i + 1, len(names)):
            def swapped(case, i=i, j=j):
                args = case.args
                if j >= len(args) or not (isinstance(args[i], np.ndarray)
                                          and isinstance(args[j], np.ndarray)
                                          and args[i].shape == args[j].shape):
                    return None
                args = list(args)
                args[i], args[j] = args[j], args[i]
                return case.replace(*args)
            probes.append(Probe(
                "arguments-swapped", f"Your results are nnlib's with `{first}` and "
                f"`{names[j]}` swapped: check which argument goes where in your formula.",
                change=swapped))
    for name, default in aspect.defaults.items():
        if not isinstance(default, (int, float)) or isinstance(default, bool):
            continue

        def at_default(case, name=name, default=default):
            index = names.index(name) if name in names else len(case.args)
            if index < len(case.args):
                if case.args[index] == default:
                    return None
                args = list(case.args)
                args[index] = default
                return case.replace(*args)
            if name in case.kwargs and case.kwargs[name] != default:
                return case.replace(**{name: default})
            return None
        probes.append(Probe(
            "argument-ignored", f"Your results are nnlib's with `{name}` at its default value "
            f"{default!r}, not the value the case passes: your code ignores the `{name}` it is "
            f"given (a value written into the code instead of the argument?).",
            change=at_default))
    return probes


def _general(aspect: Aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    return _probes(aspect, impl, cases, outcomes, expected, _general_probes(aspect, cases),
                   explain_all=True)


def _probes(aspect: Aspect, impl, cases, outcomes, expected, probes=None,
            explain_all=False) -> tuple[str, str] | None:
    """The first probe whose changed nnlib agrees with the learner on every case it speaks
    about, one of which is wrong; with ``explain_all``, every wrong case must be one of them."""
    for probe in aspect.probes if probes is None else probes:
        spoke = wrong = False
        for case, outcome, exp in zip(cases, outcomes, expected):
            try:
                changed = probe.change(case)
                if changed is None:
                    raise LookupError("the probe says nothing about this case")
                theirs = reference(aspect, changed)
                if probe.output is not None:
                    theirs = probe.output(theirs)
            except Exception:  # noqa: BLE001 - nnlib refuses the changed input: no claim here
                if explain_all and not outcomes_agree(aspect, case, outcome, Outcome(value=exp)):
                    break  # a wrong case this probe cannot explain
                continue
            if not outcomes_agree(aspect, case, outcome, Outcome(value=theirs)):
                break
            spoke = True
            wrong = wrong or bool(compare(aspect, case, theirs, exp))
        else:
            if spoke and wrong:
                return _tag(probe.id, probe.hint)
    return None


def _kind_hint(kind: str) -> tuple[str, str] | None:
    """``(symptom id, hint)`` for a learner right on every case but those of ``kind`` (a kind
    of :func:`~._core.case_kinds`), or None for a kind that says nothing useful."""
    name = kind.split(" ", 1)[-1]
    if kind.startswith("large "):
        return "only-large", (
            f"Your results are right except where {name} is large (entries of magnitude 100 or "
            f"more): a formula exact on paper that is unstable in floating point, such as exp "
            f"of a large number, or the difference of two large, nearly equal numbers.")
    if kind.startswith("tiny "):
        return "only-tiny", (
            f"Your results are right except where {name} is tiny (every entry 0.01 or less): "
            f"that is where eps matters. Check that eps is where the formula puts it (added "
            f"outside or inside a square root) and that you add it at all.")
    if kind.startswith("all-zero "):
        return "only-zeros", (
            f"Your results are right except where {name} is all zeros: a division by something "
            f"that is 0 there (a sum, a norm, a square root whose eps is missing or misplaced), "
            f"or a special case the task states for 0.")
    if kind.endswith(" > 1"):
        return "only-later-steps", (
            f"Your results are right on the first step only ({kind[:-4]} = 1): something the "
            f"step depends on goes wrong later, such as the state carried from one step to the "
            f"next or a power of the step counter.")
    if kind.endswith((" = True", " = False")):
        flag, value = kind.rsplit(" = ", 1)
        return "only-one-flag-value", (
            f"Your results are wrong exactly when {flag} is {value}: that branch of your code, "
            f"or the way it reads {flag}, is what to check.")
    if kind.endswith(" = 0"):
        return "only-zero-argument", (
            f"Your results are wrong exactly when {kind[:-4]} is 0: check what your code does "
            f"there (a division by it, a comparison such as > or >= at 0, a special case).")
    if kind.endswith(" mode"):
        return "only-one-mode", f"Your results are wrong exactly for {kind}: check that branch."
    return None


def _only_kind(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """Wrong on exactly the cases of one kind (large inputs, tiny ones, a batch of one...)."""
    names = argument_names(aspect)
    wrong, right = [], []
    for case, outcome, exp in zip(cases, outcomes, expected):
        bad = not outcomes_agree(aspect, case, outcome, Outcome(value=exp))
        (wrong if bad else right).append(case_kinds(case, names))
    if not wrong or len(right) < max(2, len(wrong)):
        return None  # a kind explains a few wrong cases among many right ones, not the reverse
    if any(_kind_hint(k) and not k.endswith((" = True", " = False", " mode"))
           for k in frozenset.intersection(*right) - frozenset().union(*wrong)):
        return None  # the right cases have a kind of their own too: which one explains it?
    shared = frozenset.intersection(*wrong) - frozenset().union(*right)
    for kind in sorted(shared):
        found = _kind_hint(kind)
        if found:
            return _tag(*found)
    return None


#: The symptoms, most specific first; the first two that hold are named.
_SYMPTOMS = (_in_place, _keepdims, _pad_every_axis, _probes, _float64, _non_finite, _off_by_one, _other_axis, _transposed,
             _only_at_zero, _all_zeros, _argument_returned, _negatives_zeroed, _reciprocal,
             _general, _constant_factor, _only_kind)


def diagnose(aspect: Aspect, impl, cases: list[Case],
             outcomes: list[Outcome]) -> list[tuple[str, str]]:
    """``[(symptom id, hint)]`` for the learner's outcomes on ``cases`` (at most two)."""
    expected = [reference(aspect, case) for case in cases]
    found = []
    for symptom in _SYMPTOMS:
        try:
            result = symptom(aspect, impl, cases, outcomes, expected)
        except Exception:  # noqa: BLE001 - a symptom that cannot be computed is not named
            result = None
        if result and result[0] not in {f[0] for f in found}:
            found.append(result)
        if len(found) == 2:
            break
    return found


__all__ = ["SYMPTOM_TAG", "diagnose", "first_change", "first_line", "run"]
