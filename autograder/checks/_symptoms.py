"""Name a mistake by its symptom when no known mistake of the bank behaves like the learner's code.

Each symptom is a fact about the learner's outcomes, checked on every case of the aspect, and
its hint says what usually causes it:

- ``in-place``: an array the caller owns (an input, a state array) changed during the call; the
  line of the learner's code that changed it (:func:`~._trace.first_change`);
- ``no-return``, ``return-values``, ``axis-of-one``, ``broadcast-matrix``,
  ``array-for-number``, ``batch-axis-kept``: what came back is not what the task returns;
- ``keepdims``: a broadcast error between an array and its reduction over the last axis;
- ``matrix-sizes``: a matrix product whose inner sizes differ (a transpose missing);
- ``pad-every-axis``: np.pad with one number on images (it pads the batch and channel axes);
- ``nan-inf``: nan or inf where nnlib is finite; the line of the learner's code where the first
  one appeared (found by tracing their code, :func:`~._trace.first_line`), and numpy's warning;
- ``float64``: a float64 result for float32 inputs; the line where the first float64 value
  appeared (``np.sqrt(2)``, ``np.power``, an array made without ``dtype=``...);
- ``constant-factor``: a result that is ``c`` times nnlib's on every case, with ``c`` named
  (2, 1/2, sqrt(2), sqrt(3), N the batch size, the number of entries, 1/(1 - p),
  1/(1 - beta^t)...) from the case's own arguments;
- ``off-by-one``: counts (ints, lists of ints) off by one step of a loop: one growth too many
  or too few, a list shifted by one entry or one entry longer or shorter;
- ``shifted``: a sequence of values whose entries are nnlib's one step earlier or later (a
  value stored before its update);
- ``other-axis``: a result with one entry per row where nnlib has one per column, or the other
  way round (a sum or mean over the wrong axis);
- ``transposed``: the transpose of nnlib's matrix;
- ``only-at-zero``: wrong only where the input is exactly 0 (the convention at a kink);
- ``wrong-line``: the line of the learner's code where their values go wrong, proved by
  repairing that one value (:mod:`._locate`);
- ``all-zeros``: all zeros where nnlib's result is not (an array never filled);
- ``argument-returned``: one of the arguments returned unchanged (the old state, the input);
- ``negatives-zeroed``: nnlib's result with its negative entries set to 0 (a ReLU too many);
- ``reciprocal``: one over nnlib's result (a ratio upside down);
- ``sign-flipped``, ``outputs-swapped``, ``arguments-swapped``, ``argument-ignored``: nnlib
  re-run with the sign of one result flipped, two results or two same-shaped arguments swapped,
  or one argument at its default value (a value written into the code);
- ``only-large``, ``only-tiny``, ``only-zeros``, ``only-later-steps``, ``only-one-flag-value``,
  ``only-zero-argument``, ``only-one-mode``, ``only-more-axes``: wrong on exactly the cases of one kind
  (:func:`~._core.case_kinds`), a few among many right ones, with what usually goes wrong there;
- the aspect's own probes (:class:`~._core.Probe`): nnlib re-run on changed inputs, e.g. a step
  counter off by one (``step-ahead``, ``step-behind``) or a mode mix-up.

A symptom is named only when it holds on every case where the learner's result is wrong (and
says nothing false on the others), so that a hint appears only for its mistake. Each hint ends
with ``[symptom: <id>]``.
"""
from __future__ import annotations

import re

import numpy as np

from autograder.checks._core import (
    Aspect, Case, Outcome, _array_leaves, argument_names, compare, named_arguments, reference,
)
from autograder.checks._factors import constant_factor
from autograder.checks._locate import wrong_line_symptom
from autograder.checks._probing import aspect_probes, general_probes, only_kind
from autograder.checks._trace import (
    PROMOTERS, first_change, first_line, is_float64, is_nan_or_overflow, is_non_finite, where,
)

#: How a symptom is tagged in a failure message: ``[symptom: <id>]``.
SYMPTOM_TAG = "symptom: "

# --- the symptoms ------------------------------------------------------------------------------

def _float64(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    for case, outcome, exp in zip(cases, outcomes, expected):
        if not case.float32 or outcome.value is None:
            continue
        for name, value in outcome.value.items():
            wanted = exp.get(name)
            got64 = any(a.dtype == np.float64 for a in _array_leaves(value)) or (
                name == "dtype" and value == "float64")
            want32 = (any(a.dtype == np.float32 for a in _array_leaves(wanted))
                      or (isinstance(wanted, str) and wanted == "float32"))
            if got64 and want32:
                # The first float64 array is what the result is made from; a float64 number
                # before it (np.sqrt(2)) matters only if it is what promoted that array.
                found = first_line(lambda: aspect.observe(impl, case), _is_float64_array)
                number = first_line(lambda: aspect.observe(impl, case), is_float64)
                found = found or number
                causes = _promoters(found)
                hint = (f"{name}: you returned float64 for float32 input ({case.label}).")
                hint += where(found) + ("." if found else "")
                if causes:
                    hint += " There, " + "; ".join(causes[:2]) + "."
                if number is not None and number != found and _promoters(number):
                    hint += (f" A float64 number made on line {number[1]}, `{number[2]}`, "
                             f"promotes too: " + "; ".join(_promoters(number)[:2]) + ".")
                if "dtype" in argument_names(aspect) or "dtype" in case.kwargs:
                    hint += (" Your function is given the dtype to return: convert the result "
                             "with .astype(dtype) (rng.uniform and rng.normal draw float64).")
                else:
                    hint += (" Keep the input's dtype: compute with Python numbers "
                             "(math.sqrt(2), 2 ** 0.5) and make arrays with np.zeros_like(x) or "
                             "dtype=x.dtype.")
                return "float64", hint
    return None


def _is_float64_array(value) -> bool:
    return isinstance(value, np.ndarray) and value.ndim > 0 and value.dtype == np.float64


def _promoters(found: tuple[str, int, str] | None) -> list[str]:
    """Why the calls and constants on a found line make float64 (:data:`PROMOTERS`)."""
    text = found[2] if found else ""
    return [why for code, why in PROMOTERS if code in text]


def _non_finite(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.value is None:
            continue
        for name, value in outcome.value.items():
            wanted = exp.get(name)
            if not (is_non_finite(value) and not is_non_finite(wanted)):
                continue
            kinds = sorted({("nan" if np.isnan(v) else "inf")
                            for a in _array_leaves(value if not np.isscalar(value)
                                                   else np.asarray(value))
                            for v in np.asarray(a, np.float64).ravel() if not np.isfinite(v)})
            what = " and ".join(kinds)
            found = (first_line(lambda: aspect.observe(impl, case), is_nan_or_overflow)
                     or first_line(lambda: aspect.observe(impl, case), is_non_finite))
            hint = f"{name}: your result has {what} where nnlib's is finite ({case.label})."
            hint += where(found) + ("." if found else "")
            warned = sorted({w.split(": ", 1)[-1] for w in outcome.warnings
                             if w.startswith("RuntimeWarning")})
            if warned:
                hint += " numpy warned: " + "; ".join(warned[:3]) + "."
            hint += (" exp of a large number overflows to inf; 0/0, inf - inf and inf/inf give "
                     "nan; log(0) is -inf and the log or square root of a negative number nan.")
            return "nan-inf", hint
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
            return "keepdims", (
                f"Your code combines an array of shape {big} with one of "
                f"shape {small} ({case.label}): a sum, mean or max over the last axis "
                f"that dropped that axis. Pass keepdims=True (shape {big[:-1] + (1,)}) "
                f"so that each row's value lines up with its row.")
    return None


_NOT_ALIGNED = re.compile(r"shapes \(([\d, ]+)\) and \(([\d, ]+)\) not aligned")
_MATMUL = re.compile(r"matmul: Input operand 1 has a mismatch in its core dimension 0.*\(size "
                     r"(\d+) is different from (\d+)\)")


def _matrix_sizes(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """A matrix product whose inner sizes differ (np.dot or @ raised), on every wrong case."""
    found = None
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.error is None:
            if outcome.value is None or compare(aspect, case, outcome.value, exp):
                return None  # a case wrong in another way
            continue
        text = str(outcome.error)
        if not isinstance(outcome.error, ValueError) or not (
                _NOT_ALIGNED.search(text) or _MATMUL.search(text)):
            return None
        found = found or (case, outcome)
    if found is None:
        return None
    case, outcome = found
    shapes = _NOT_ALIGNED.search(str(outcome.error))
    if shapes:
        a, b = _shape(shapes.group(1)), _shape(shapes.group(2))
        sizes = f"({', '.join(map(str, a))}) @ ({', '.join(map(str, b))})"
        fits = " (the second transposed would fit)" if len(b) == 2 and a[-1] == b[-1] else (
            " (the first transposed would fit)" if len(a) == 2 and a[0] == b[0] else "")
    else:
        sizes, fits = "two matrices", ""
    return "matrix-sizes", (
        f"Your code multiplies {sizes} whose inner sizes differ{fits} ({case.label}): "
        "(a, b) @ (b, c) needs the same b. Write each factor's shape next to it: a transpose "
        "missing, or the factors in the wrong order? A gradient has the shape of what it is the "
        "gradient of.")


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
                return "pad-every-axis", (
                    f"np.pad(x, {width!r}) pads every axis of x by "
                    f"{width!r}, the batch and channel axes too ({case.label}). Give one "
                    f"(before, after) pair per axis: np.pad(x, ((0, 0), (0, 0), (p, p), "
                    f"(p, p))).")
        return None
    return None


def _returned(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """What came back is not what the task returns: None, the wrong number of values, or an
    array of a telling wrong shape (an extra axis of length 1, a matrix from broadcasting, an array
    for a number), the same way on every case where it is wrong."""
    found, shapes = set(), None  # shapes: the shape slips that fit every wrong shape so far
    for case, outcome, exp in zip(cases, outcomes, expected):
        if outcome.modified or outcome.error is not None:
            return None
        if "return statement" in outcome.return_problem:
            found.add("no-return")
            continue
        if re.search(r" should return \d+ values", outcome.return_problem):
            found.add("return-values")
            continue
        if outcome.return_problem:
            return None
        for name, wanted in exp.items():
            value = outcome.value.get(name)
            if value is None and wanted is not None:
                found.add("no-return")
            elif isinstance(wanted, np.ndarray) or isinstance(wanted, (float, np.floating)):
                got = np.shape(value) if isinstance(value, (np.ndarray, np.generic, float,
                                                             int, list)) else None
                want = np.shape(wanted)
                if got is not None and got != want:
                    slips = _shape_slips(want, got)
                    if not slips:
                        return None  # a shape that other symptoms may explain
                    shapes = slips if shapes is None else shapes & slips
                    if not shapes:
                        return None
    if shapes is not None:
        if len(shapes) > 1:  # a leading axis of length 1 on every case: more likely a keepdims
            shapes = shapes - {"batch-axis-kept"}
        if len(shapes) != 1:
            return None
        found |= shapes
    if len(found) != 1:
        return None
    kind = found.pop()
    hints = {
        "no-return": "Your function returned None: a `return` is missing on some path (or it "
                     "returns the result of an in-place method, such as list.append or "
                     "ndarray.sort, which is None).",
        "return-values": "Return exactly the values the task lists, as a tuple in that order "
                         "(`return a, b`), not a list of them, a dict or only one.",
        "axis-of-one": "Your result has an axis of length 1 too many or too few (shape (1, n) "
                       "or (n, 1) where (n,) is asked, or the reverse): a keepdims=True or a "
                       "reshape too many (or too few).",
        "broadcast-matrix": "Your result has an extra axis: an (n,) array combined with an "
                            "(n, 1) one broadcasts to an (n, n) matrix. Make the shapes "
                            "agree before combining them.",
        "array-for-number": "Return a single number where the task asks for one: float(...) "
                            "of your result, or a sum or mean over every axis.",
        "batch-axis-kept": "Your result keeps an extra first axis, one entry per example: a "
                           "gradient of a parameter adds up the contributions of every example, "
                           "so sum over the batch axis (axis 0) too.",
    }
    return kind, hints[kind]


def _shape_slips(want: tuple, got: tuple) -> set[str]:
    """The telling ways ``got`` may have come from the shape ``want`` (several can fit one pair
    of shapes: on a batch of one, a kept batch axis is also an axis of length 1)."""
    squeezed = tuple(s for s in got if s != 1)
    if want == () and got != ():
        return {"array-for-number"}
    slips = set()
    if tuple(s for s in want if s != 1) == squeezed and len(want) != len(got):
        slips.add("axis-of-one")
    if len(got) == len(want) + 1 and got[:len(want)] == want and got[-1] == want[-1]:
        slips.add("broadcast-matrix")
    if len(got) == len(want) + 1 and got[1:] == want:
        slips.add("batch-axis-kept")
    return slips


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
        return "in-place", hint
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
    return "other-axis", hint


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
    if len(got) == len(want) >= 3:  # (a, b) against (b, a) is a swap, not a shift
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
        scalars = {n: float(v) for n, v in named_arguments(case, names)
                   if (n in names or n in case.kwargs) and isinstance(v, (int, np.integer))
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
    return "off-by-one", (
        f"{slips}, on every case where it is wrong (first seen on "
        f"{found[0][2].label}). Count by hand on the smallest case: which values does "
        f"your range() or loop take, and which should it?")


def _shifted(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """A sequence of values (one per step, along the first axis) whose entries are nnlib's one
    step earlier or one step later, on every case where it is wrong."""
    wrong = _wrong_fields(aspect, cases, outcomes, expected)
    if not wrong:
        return None
    ways, seen = {"behind", "ahead"}, False
    for case, name, value, wanted in wrong:
        pair = _as_arrays(value, wanted)
        if pair is None or pair[0].ndim == 0:
            return None
        if len(pair[0]) < 3:
            continue  # too short to tell a shift
        seen, (got, want) = True, pair
        if not np.allclose(got[1:], want[:-1], rtol=1e-4, atol=1e-7):
            ways.discard("behind")
        if not np.allclose(got[:-1], want[1:], rtol=1e-4, atol=1e-7):
            ways.discard("ahead")
        if not ways:
            return None
    if not seen:
        return None
    name = wrong[0][1]
    if "behind" in ways:
        return "shifted", (
            f"{name}: each of your entries is nnlib's entry of the step before (your entry t "
            f"holds nnlib's t - 1): the value is stored before it is updated in the loop, or "
            f"the loop starts one step early. Update first, then store.")
    return "shifted", (
        f"{name}: each of your entries is nnlib's entry of the step after (your entry t holds "
        f"nnlib's t + 1): the loop skips the first step, or stores a value one update too late.")


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
    return "only-at-zero", (
        f"Your result differs from nnlib's only where {name[0]} is "
        "exactly 0: the value at the kink is a convention, and the task gives it (e.g. "
        "the derivative of ReLU at 0 is 0, of leaky ReLU negative_slope). Check your "
        "comparison there: > or >=, < or <=.")


def _is_transpose(value, wanted) -> bool:
    if _is_shape(wanted) and _is_shape(value):  # a shape, as the distribution checks see it
        return len(wanted) == 2 and wanted[0] != wanted[1] and tuple(value) == tuple(wanted)[::-1]
    return (isinstance(wanted, np.ndarray) and isinstance(value, np.ndarray)
            and wanted.ndim == 2 and value.shape == wanted.shape[::-1]
            and np.allclose(value.T, wanted, rtol=1e-4, atol=1e-8))


def _is_shape(value) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, (int, np.integer)) for v in value)


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
    name, value, wanted = wrong[0]
    if _is_shape(wanted):
        return "transposed", (
            f"{name}: yours is {tuple(value)}, the transpose of the {tuple(wanted)} asked. In "
            f"this course a weight matrix is (in, out): one row per input, so X @ W works "
            f"(PyTorch stores (out, in)).")
    return "transposed", (
        f"{name}: your result is the transpose of nnlib's: the factors of "
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
    return "reciprocal", (
        f"{name}: your result is one over nnlib's on every case where it "
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
        same = {n for n, a in named_arguments(case, names)
                if isinstance(a, np.ndarray) and a.shape == pair[0].shape
                and np.array_equal(np.asarray(a, np.float64), pair[0])}
        if not same:
            return None
        seen = (name, same if seen is None or seen[0] != name else seen[1] & same)
        if not seen[1]:
            return None
    name, same = seen
    argument = sorted(same)[0]
    return "argument-returned", (
        f"{name}: you returned the `{argument}` you were given, "
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
    return "all-zeros", (
        f"{name}: your result is all zeros where nnlib's is not: an array "
        "made with np.zeros and never filled (a loop that never runs, or results written "
        "into a copy or another array), a return before the computation, or a change made to "
        "a copy that the rest of the code never sees (x.flatten() and x.copy() are copies; "
        "x.reshape(-1) and x[i] index the array itself).")


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
    return "negatives-zeroed", (
        f"{name}: your result is nnlib's with every negative entry "
        "replaced by 0: a ReLU (or a clip at 0) where there should be none, e.g. after "
        "the last layer, whose output is a raw score.")


#: The symptoms, most specific first; the first two that hold are named.
_SYMPTOMS = (_in_place, _returned, _keepdims, _matrix_sizes, _pad_every_axis, aspect_probes,
             _float64, _non_finite, _off_by_one, _shifted, _other_axis, _transposed, _only_at_zero,
             _all_zeros, _argument_returned, _negatives_zeroed, _reciprocal, general_probes,
             constant_factor, only_kind, wrong_line_symptom)


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


__all__ = ["SYMPTOM_TAG", "diagnose"]
