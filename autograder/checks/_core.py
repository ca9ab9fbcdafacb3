"""The machinery behind :func:`autograder.checks.check`: parts, aspects, cases, comparisons.

A **part** is one thing a learner writes (a function or a class, e.g. ``adam_step``). Each part
is graded on one or more **aspects** (one nbgrader grade cell each, e.g. ``adam_step.first_step``)
so that partial work earns partial credit. An aspect owns

- ``cases(rng, hidden)``: the inputs, as :class:`Case` objects (a few for the learner's
  self-check, more and the edge cases for grading);
- ``observe(impl, case)``: runs an implementation (the learner's, or a known mistake's) on a
  case and returns what this aspect grades, as a dict ``{name: value}``;
- ``expect(case)``: the same observation computed with nnlib, the reference.

:func:`run_check` compares the two case by case. When they differ it looks for a known mistake
(:mod:`autograder.mistakes`) whose observations agree with the learner's on every case, and the
failure message names it; otherwise it describes the difference in general terms (a constant
factor, a flipped sign, a transposed shape, nan or inf) and :mod:`._symptoms` names it by its
symptom where one holds on every case (an aspect's :class:`Probe` objects re-run nnlib on
changed inputs for the symptoms that need the part's own knowledge: a step count, a mode).

:func:`case_kinds` computes the kinds of a case from its arguments, for the self-check parity
(every hidden kind has a visible case); :func:`unmodified` fails a part that changed an
argument it was given (the caller owns its arrays).
"""
from __future__ import annotations

import contextlib
import copy
import io
import math
import numbers
import os
import traceback
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from autograder import content
from autograder.address import chapter_url
from autograder.hints import MISTAKE_TAG  # noqa: F401 - re-exported by autograder.checks

#: Why a float32 input gives a float64 result, in the messages about dtypes.
PROMOTION = ("numpy scalars such as np.sqrt(2) or np.pi are float64 and promote a float32 "
             "array (use math.sqrt(2), 2 ** 0.5 or a Python float), and so do arrays made "
             "without dtype= (np.zeros(shape), np.array([...]); use np.zeros_like(x) or "
             "dtype=x.dtype)")

#: Tolerances (rtol, atol) by the precision a case computes in.
TOLERANCES = {"float64": (1e-6, 1e-9), "float32": (2e-4, 1e-5)}
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- what is graded --------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """One function or class the learner writes, and the chapter section that explains it."""

    name: str
    assignment: str
    title: str
    chapter: str  # the chapter's file name without ".md", e.g. "04_optimization"
    anchor: str   # a MyST label in that chapter, e.g. "optimization-adam"
    signature: str  # how the learner's code is called, e.g. "adam_step(param, grad, m, v, t, ...)"

    @property
    def url(self) -> str:
        """The chapter section on the course website."""
        return chapter_url(self.chapter, self.anchor)


@dataclass(frozen=True)
class Case:
    """One input to a part, with a plain-words label for messages.

    ``args``/``kwargs`` are deep-copied before every call, so an implementation that modifies
    its inputs cannot affect the next one. ``float32`` selects float32 tolerances and requires
    float32 arrays to come back as float32. ``seed`` is for parts that draw random numbers: each
    run gets ``np.random.default_rng(seed)``, so learner, mistakes and reference see the same
    random stream.
    """

    label: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    float32: bool = False
    seed: int = 0

    @property
    def precision(self) -> str:
        return "float32" if self.float32 else "float64"

    def fresh_args(self) -> tuple[tuple, dict]:
        return copy.deepcopy(self.args), copy.deepcopy(dict(self.kwargs))

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.seed)

    def replace(self, *args, **kwargs) -> "Case":
        """This case with other arguments (positional ones given in full), same label and flags."""
        return Case(self.label, tuple(args) if args else self.args,
                    {**dict(self.kwargs), **kwargs}, self.float32, self.seed)


#: Array magnitudes from which a case is of the "large" kind, and up to which of the "tiny" kind.
LARGE, TINY = 100.0, 1e-2
#: Integer arguments that count steps: a case with one above 1 is of the "<name> > 1" kind.
STEP_NAMES = ("t", "step", "steps")


def _array_leaves(value):
    """The numpy arrays in ``value`` (itself, or inside lists, tuples and dicts)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _array_leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _array_leaves(item)


def named_arguments(case: Case, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """``[(name, value)]`` for a case's arguments: the positional ones named by ``names`` (see
    :func:`argument_names`; those beyond it are called ``argument <i>``), then its keywords."""
    return ([(names[i] if i < len(names) else f"argument {i + 1}", v)
             for i, v in enumerate(case.args)] + list(dict(case.kwargs).items()))


def case_kinds(case: Case, names: tuple[str, ...] = ()) -> frozenset[str]:
    """The kinds a case is of, computed from its arguments (never declared by hand).

    - ``float32``: a float32 array among the arguments (or the case computes in float32);
    - ``all-zero <arg>``, ``large <arg>`` (an entry of magnitude >= ``LARGE``), ``tiny <arg>``
      (nonzero, every entry of magnitude <= ``TINY``), for float array arguments (also inside a
      list, under the list's name);
    - ``<arg> off whole numbers``: a float array argument, not large, with an entry that is
      not a whole number (a case of only whole numbers, such as the corners of the unit square,
      is not of this kind: a check that moves them slightly asks for something the exact points
      do not; among large values, whole or not makes no difference);
    - ``a batch of one``: the first array argument has one row;
    - ``<arg> with <n> axes``: a float array argument of 3 or more axes (a batch of sequences or
      of images, where a 2-D case has 2);
    - ``<name> > 1`` for a step counter (``STEP_NAMES``), ``<name> = True/False`` for a flag,
      ``<name> = 0`` for a float argument that is 0 (a probability, a strength, a beta);
    - ``<name> in training/evaluation mode`` for an argument with a ``training`` attribute.

    ``names`` names the positional arguments (see :func:`argument_names`); the others are
    called ``argument <i>``.
    """
    kinds = {"float32"} if case.float32 else set()
    first = True
    for name, value in named_arguments(case, names):
        if isinstance(value, (bool, np.bool_)):
            kinds.add(f"{name} = {bool(value)}")
        elif isinstance(value, (int, np.integer)) and name in STEP_NAMES and value > 1:
            kinds.add(f"{name} > 1")
        elif isinstance(value, (float, np.floating)) and value == 0:
            kinds.add(f"{name} = 0")
        elif hasattr(value, "training") and isinstance(getattr(value, "training"), bool):
            kinds.add(f"{name} in {'training' if value.training else 'evaluation'} mode")
        for array in _array_leaves(value):
            if array.ndim >= 3 and array.dtype.kind == "f":
                kinds.add(f"{name} with {array.ndim} axes")
            if first and array.ndim >= 1:
                first = False
                if array.shape[0] == 1:
                    kinds.add("a batch of one")
            if array.dtype == np.float32:
                kinds.add("float32")
            if array.dtype.kind != "f" or array.size < 2:  # one value is no pattern
                continue
            magnitude = np.abs(array.astype(np.float64))
            if not magnitude.any():
                kinds.add(f"all-zero {name}")
            elif magnitude.max() >= LARGE:
                kinds.add(f"large {name}")
            else:
                if magnitude.max() <= TINY:
                    kinds.add(f"tiny {name}")
                if not np.all(magnitude == np.round(magnitude)):
                    kinds.add(f"{name} off whole numbers")
    return frozenset(kinds)


@dataclass(frozen=True)
class Aspect:
    """One graded aspect of a part (one nbgrader grade cell). See the module docstring."""

    part: str
    name: str
    what: str  # plain words: "the loss value", "the gradient with respect to W"
    cases: Callable[[np.random.Generator, bool], list[Case]]
    observe: Callable[[Any, Case], dict[str, Any]]
    expect: Callable[[Case], dict[str, Any]]
    #: Per observed field (rtol, atol), loosening the case's precision default (never
    #: tightening it: a float32 case keeps at least the float32 tolerances).
    tolerances: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: True: an overflow warning from the learner's code fails the check (numerical stability).
    stable: bool = False
    #: Names of the cases' positional arguments (default: the part's signature's, see
    #: :func:`argument_names`), for the kinds of cases and the messages.
    arguments: tuple[str, ...] | None = None
    #: Symptoms this aspect can name by re-running nnlib on changed inputs (see
    #: :class:`Probe`), e.g. a step count off by one or a mode mix-up.
    probes: tuple = ()
    #: The default values of arguments a case may leave out (``{"beta1": 0.9}``), for the
    #: symptoms that name a factor from the case's arguments.
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.part}.{self.name}"


PARTS: dict[str, Part] = {}
ASPECTS: dict[str, Aspect] = {}


def signature_names(signature: str) -> tuple[str, ...]:
    """The argument names in the first parentheses of a signature: ``"f(a, b=1)"`` -> (a, b)."""
    inside = signature.partition("(")[2].partition(")")[0]
    return tuple(n.split("=")[0].strip() for n in inside.split(",") if n.strip())


def argument_names(aspect: Aspect) -> tuple[str, ...]:
    """The names of an aspect's cases' positional arguments."""
    if aspect.arguments is not None:
        return aspect.arguments
    part = PARTS.get(aspect.part)
    return signature_names(part.signature) if part else ()


@dataclass(frozen=True)
class Probe:
    """A symptom named by re-running nnlib on changed inputs.

    ``change(case)`` returns the case nnlib should be run on to produce what a learner with this
    mistake gets (e.g. ``t + 1`` instead of ``t``), or None when the symptom says nothing about
    this case; ``output`` (optional) maps nnlib's observation on the changed case back to the
    original one's form (e.g. transposes it back). The symptom is named when the learner's
    outcome agrees with it on every case it speaks about, at least one of which differs from
    the right answer. ``id`` appears as ``[symptom: <id>]``.
    """

    id: str
    hint: str
    change: Callable[[Case], Case | None]
    output: Callable[[dict], dict] | None = None


def register(part: Part, *aspects: Aspect) -> None:
    """Add a part and its aspects to the registries (each key once)."""
    if part.name in PARTS:
        raise ValueError(f"part {part.name!r} is registered twice")
    PARTS[part.name] = part
    for aspect in aspects:
        if aspect.part != part.name:
            raise ValueError(f"aspect {aspect.key!r} does not belong to part {part.name!r}")
        if aspect.key in ASPECTS:
            raise ValueError(f"aspect {aspect.key!r} is registered twice")
        ASPECTS[aspect.key] = aspect


# --- problems in what comes back --------------------------------------------------------------

class ReturnProblem(Exception):
    """Raised by an ``observe`` function when the learner's return value has the wrong form."""


def unpack(result, names: tuple[str, ...], part: str):
    """Check that ``result`` is a tuple (or list) of ``len(names)`` values and return it.

    With a single name, ``result`` itself is the value.
    """
    if len(names) == 1:
        return (result,)
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        raise ReturnProblem(
            f"{part} should return {len(names)} values, ({', '.join(names)}), as a tuple; "
            f"it returned {describe(result)}"
        )
    return tuple(result)


class ModifiedInPlace(ReturnProblem):
    """The implementation changed an array the caller owns; ``argument`` names it."""

    def __init__(self, argument: str, message: str):
        super().__init__(message)
        self.argument = argument


def unmodified(part: str, names: tuple[str, ...], pristine: tuple, given: tuple) -> None:
    """Raise :class:`ReturnProblem` naming the first argument an implementation changed in place.

    ``pristine`` and ``given`` are ``(args, kwargs)``: a copy taken before the call, and the
    objects the call received. The caller owns its arrays: a part that returns new arrays must
    leave them as they were.
    """
    (before_args, before_kwargs), (after_args, after_kwargs) = pristine, given
    named = [(names[i] if i < len(names) else f"argument {i + 1}", b, a)
             for i, (b, a) in enumerate(zip(before_args, after_args))]
    named += [(k, before_kwargs[k], after_kwargs.get(k)) for k in before_kwargs]
    for name, before, after in named:
        for b, a in zip(_array_leaves(before), _array_leaves(after)):
            if b.shape != a.shape or not np.array_equal(b, a, equal_nan=b.dtype.kind == "f"):
                raise ModifiedInPlace(
                    name,
                    f"{part} modified its argument `{name}` in place: its entries changed during "
                    f"the call. The caller owns its arrays; compute new ones (`{name} = ... {name} "
                    f"...`, not `{name} *= ...`, `{name} += ...` or `{name}[...] = ...`) and "
                    f"return them")


def describe(value) -> str:
    """A short description of a value: type, and shape and dtype for arrays."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe(v) for v in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"a {type(value).__name__} of {len(value)} ({inner})"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))}"
    if value is None:
        return "None (did you forget a return statement?)"
    if isinstance(value, (numbers.Number, np.generic)):
        return f"{type(value).__name__} {value!r}"
    return f"an object of type {type(value).__name__}"


# --- running code -----------------------------------------------------------------------------

@dataclass
class Outcome:
    """What came back from running one implementation on one case."""

    value: dict[str, Any] | None = None
    error: BaseException | None = None
    error_text: str = ""
    return_problem: str = ""
    modified: str = ""  # the argument the implementation changed in place, if it did
    warnings: list[str] = field(default_factory=list)
    stderr: str = ""

    @property
    def overflow_warnings(self) -> list[str]:
        """numpy's overflow warnings: what the stability aspects grade (other warnings never fail)."""
        return [w for w in self.warnings if w.startswith("RuntimeWarning") and "overflow" in w]


class NotWritten(Exception):
    """Internal: the learner's code raised NotImplementedError (re-raised as such to the cell)."""


def _learner_traceback(error: BaseException) -> str:
    """The traceback lines that point into the learner's code (not into the checks or nnlib)."""
    ours = (_PACKAGE_DIR, *map(str, content.source_paths()))
    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames if not os.path.abspath(f.filename).startswith(ours)
            and "numpy" not in f.filename and "/nnlib/" not in f.filename]
    lines = traceback.format_list(mine[-3:]) if mine else []
    return "".join(lines).rstrip()


@contextlib.contextmanager
def _captured(outcome: Outcome):
    """Record warnings and stderr instead of letting them reach the notebook's stderr.

    nbgrader scores a test cell as failed when it writes anything to stderr, so a correct
    answer that triggers a harmless numpy warning would otherwise lose its points. The warnings
    are kept on the outcome: stability aspects fail on overflow ones, the others only report.
    """
    buffer = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(buffer), \
            np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            yield
        finally:
            outcome.warnings.extend(f"{w.category.__name__}: {w.message}" for w in caught)
            outcome.stderr += buffer.getvalue()


def run(aspect: Aspect, impl, case: Case, *, learner: bool) -> Outcome:
    """Observe ``impl`` on ``case``; exceptions become part of the outcome.

    For the learner's implementation (``learner=True``) a ``NotImplementedError`` is turned into
    :class:`NotWritten`, so that the check can re-raise it unchanged.
    """
    outcome = Outcome()
    with _captured(outcome):
        try:
            outcome.value = aspect.observe(impl, case)
        except ReturnProblem as problem:
            outcome.return_problem = str(problem)
            outcome.modified = getattr(problem, "argument", "")
        except NotImplementedError as error:
            if learner:
                raise NotWritten() from error
            outcome.error = error
        except Exception as error:  # the learner's code may raise anything
            outcome.error = error
            outcome.error_text = _learner_traceback(error)
    return outcome


def reference(aspect: Aspect, case: Case) -> dict[str, Any]:
    """nnlib's observation for ``case`` (a failure here is a bug in the checks, not the learner's)."""
    outcome = Outcome()
    with _captured(outcome):
        expected = aspect.expect(case)
    if outcome.overflow_warnings:
        raise RuntimeError(f"the reference for {aspect.key} warned on {case.label!r}: "
                           f"{outcome.overflow_warnings}")
    return expected


# --- comparing --------------------------------------------------------------------------------

def _as_float_array(value) -> np.ndarray | None:
    try:
        array = np.asarray(value)
    except Exception:  # e.g. a ragged list
        return None
    if array.dtype == object or array.dtype.kind not in "biuf":
        return None
    return array.astype(np.float64)


def _fmt(x) -> str:
    return f"{x:.6g}" if isinstance(x, (float, np.floating)) else repr(x)


def _number(x: float) -> str:
    """A number in words where it is not one: nan and inf are named, not printed as values."""
    if math.isnan(x):
        return "nan (not a number)"
    if math.isinf(x):
        return "inf (infinite)" if x > 0 else "-inf (minus infinity)"
    return ""


def format_pair(expected: float, got: float) -> tuple[str, str]:
    """Both numbers with just enough significant digits to tell them apart (6 to 17)."""
    expected, got = float(expected), float(got)
    shown = (f"{expected:.6g}", f"{got:.6g}")
    for digits in range(6, 18):
        shown = (f"{expected:.{digits}g}", f"{got:.{digits}g}")
        if shown[0] != shown[1] or expected == got or not (math.isfinite(expected)
                                                          and math.isfinite(got)):
            break
    return tuple(_number(v) or text for v, text in zip((expected, got), shown))


def _first_differences(got: np.ndarray, expected: np.ndarray, bad: np.ndarray, limit=4) -> str:
    lines = []
    for index in np.argwhere(bad)[:limit]:
        where = tuple(int(i) for i in index)
        shown = where if len(where) != 1 else where[0]
        e, g = format_pair(expected[where], got[where])
        lines.append(f"      at {shown}: expected {e}, got {g}")
    return "\n".join(lines)


def _diagnose_values(got: np.ndarray, expected: np.ndarray) -> str:
    """A general description of how two same-shaped arrays differ, when one is obvious (a
    constant factor is named by the symptoms, :mod:`autograder.checks._symptoms`)."""
    if not np.isfinite(got).all() or not np.isfinite(expected).all():
        return ""
    scale = np.max(np.abs(expected)) if expected.size else 0.0
    nonzero = np.abs(expected) > 1e-8 * max(scale, 1e-300)
    if nonzero.sum() >= 2:
        c = constant_ratio(got, expected)
        if c is not None and abs(c + 1) < 1e-5:
            return "every entry has the opposite sign of the expected one: a flipped sign"
        if c is not None and abs(c - 1) > 1e-5:
            return f"every entry is {c:.6g} times the expected one: a constant factor"
    return ""


def constant_ratio(got, expected) -> float | None:
    """``c`` if ``got == c * expected`` entry by entry (finite values, two or more of them
    nonzero), else None."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape or not (np.isfinite(got).all() and np.isfinite(expected).all()):
        return None
    scale = np.max(np.abs(expected)) if expected.size else 0.0
    nonzero = np.abs(expected) > 1e-8 * max(scale, 1e-300)
    if nonzero.sum() < (2 if expected.ndim else 1):
        return None
    ratio = got[nonzero] / expected[nonzero]
    c = float(np.median(ratio))
    if c != 0 and np.allclose(ratio, c, rtol=1e-5, atol=0) and np.allclose(
            got[~nonzero], 0, atol=1e-8 * scale):
        return c
    return None


def _non_finite(name: str, array: np.ndarray, expected: np.ndarray) -> str:
    """Where the result is nan or inf and nnlib's is finite, in words ("" if nowhere)."""
    wrong = ~np.isfinite(array) & np.isfinite(expected)
    if not wrong.any():
        return ""
    nans, infs = int(np.isnan(array[wrong]).sum()), int(np.isinf(array[wrong]).sum())
    what = " and ".join(t for t in (f"{nans} nan (not a number)" if nans else "",
                                    f"{infs} inf (infinite)" if infs else "") if t)
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    where = first if len(first) != 1 else first[0]
    return (f"{name}: your result has {what} where nnlib's is finite (first at {where}, where "
            f"nnlib has {_fmt(expected[first])}). Something overflowed (exp of a large number?), "
            f"or divided by zero, or took the log or square root of 0 or of a negative number")


def compare_value(name: str, got, expected, case: Case, tol: tuple[float, float], *,
                  matching: bool = False) -> str:
    """Describe how ``got`` differs from ``expected`` (empty string: they agree).

    ``matching`` is for comparing the learner with a known mistake: dtypes are not checked and
    the tolerance is ten times looser.
    """
    for accepts, comparer in _COMPARERS:
        if accepts(expected):
            return comparer(name, got, expected, case, tol, matching)
    raise TypeError(f"cannot compare expected value of type {type(expected).__name__}")


def _tolerance(tol: tuple[float, float], matching: bool) -> tuple[float, float]:
    rtol, atol = tol
    return (rtol * 10, atol * 10) if matching else (rtol, atol)


def _compare_text(name, got, expected: str, case, tol, matching) -> str:
    if got == expected:
        return ""
    if not isinstance(got, str):
        return f"{name}: expected {expected}, got {describe(got)}"
    detail = f"{name}: expected {expected}, got {got}"
    if name == "dtype" and expected == "float32" and got == "float64":
        detail += f" ({PROMOTION})"
    return detail


def _compare_bool(name, got, expected: bool, case, tol, matching) -> str:
    ok = isinstance(got, (bool, np.bool_)) and bool(got) == expected
    return "" if ok else f"{name}: expected {expected}, got {describe(got)}"


def _compare_integer(name, got, expected, case, tol, matching) -> str:
    """An integer count: an int of any kind, or a float with an integer value."""
    ok = isinstance(got, (numbers.Integral, np.integer)) or (
        isinstance(got, (float, np.floating)) and float(got).is_integer())
    if ok and int(got) == int(expected):
        return ""
    return f"{name}: expected {int(expected)}, got {describe(got)}"


def _compare_shape(name, got, expected: tuple, case, tol, matching) -> str:
    got_tuple = tuple(got) if isinstance(got, (tuple, list)) else got
    return "" if got_tuple == expected else f"{name}: expected {expected}, got {got_tuple!r}"


class Steps(list):
    """The values after each step of a trajectory (step 1 first): compared like a list, and
    named "<name> after step <t>" in messages."""


def _compare_list(name, got, expected: list, case, tol, matching) -> str:
    """A list of arrays (e.g. one gradient per parameter), compared item by item."""
    if not isinstance(got, (list, tuple)):
        return f"{name}: expected a list of {len(expected)} arrays, got {describe(got)}"
    if len(got) != len(expected):
        return f"{name}: expected a list of {len(expected)} arrays, got {len(got)}"
    for i, (g, e) in enumerate(zip(got, expected)):
        label = f"{name} after step {i + 1}" if isinstance(expected, Steps) else f"{name}[{i}]"
        problem = compare_value(label, g, e, case, tol, matching=matching)
        if problem:
            return problem
    return ""


def _compare_scalar(name, got, expected, case, tol, matching) -> str:
    """A single number (a float, or a 0-d array), within the tolerance."""
    rtol, atol = _tolerance(tol, matching)
    array = _as_float_array(got)
    if array is None or array.ndim != 0:
        if array is not None and array.size == 1:
            return (f"{name}: expected a single number, got an array of shape {array.shape}; "
                    f"use float(...) or .item() to return a scalar")
        return f"{name}: expected a number, got {describe(got)}"
    e, g = float(expected), float(array)
    if math.isclose(g, e, rel_tol=rtol, abs_tol=atol) or (matching and (
            (math.isnan(g) and math.isnan(e)) or (math.isinf(g) and g == e))):
        return ""
    shown_e, shown_g = format_pair(e, g)
    detail = f"{name}: expected {shown_e}, got {shown_g}"
    if e != 0 and math.isfinite(g) and g != 0 and math.isfinite(e):
        detail += f" ({g / e:.4g} times the expected value)"
    elif not math.isfinite(g) and math.isfinite(e):
        detail += (": something overflowed (exp of a large number?), or divided by zero, or "
                   "took the log or square root of 0 or of a negative number")
    return detail


def _compare_array(name, got, expected: np.ndarray, case, tol, matching) -> str:
    """An array: its shape, its dtype (float32 in, float32 out), then its entries."""
    rtol, atol = _tolerance(tol, matching)
    array = _as_float_array(got)
    if array is None:
        return f"{name}: expected {describe(expected)}, got {describe(got)}"
    if array.shape != expected.shape:
        hint = ""
        if array.shape == expected.shape[::-1] and expected.ndim == 2:
            hint = " (the transpose of the expected shape)"
        elif array.size == expected.size:
            hint = " (same number of entries: a reshape or a missing axis/keepdims?)"
        return f"{name}: expected shape {expected.shape}, got shape {array.shape}{hint}"
    if (not matching and case.float32 and expected.dtype == np.float32
            and isinstance(got, np.ndarray) and got.dtype != np.float32):
        return (f"{name}: the input was float32 but your result is {got.dtype}. Keep the "
                f"input's dtype: {PROMOTION}")
    e = expected.astype(np.float64)
    close = np.isclose(array, e, rtol=rtol, atol=atol, equal_nan=matching)
    if close.all():
        return ""
    return _entries_differ(name, array, e, ~close, rtol, atol)


def _entries_differ(name: str, array: np.ndarray, expected: np.ndarray, bad: np.ndarray,
                    rtol: float, atol: float) -> str:
    """How many entries differ, by how much, the first few, and a diagnosis if one fits.

    nan and inf are named as such: the largest difference is over the finite entries that
    differ, and left out when there are none.
    """
    non_finite = _non_finite(name, array, expected)
    if non_finite:
        return non_finite + ". First differing entries:\n" + _first_differences(array, expected,
                                                                                 bad)
    finite_bad = bad & np.isfinite(array) & np.isfinite(expected)
    largest = (f"largest difference {float(np.max(np.abs(array - expected)[finite_bad])):.3g}; "
               if finite_bad.any() else "")
    detail = (f"{name}: shape {array.shape} as expected, but {int(bad.sum())} of {array.size} "
              f"entries differ ({largest}tolerance rtol={rtol:g}, "
              f"atol={atol:g}). First differing entries:\n"
              + _first_differences(array, expected, bad))
    diagnosis = _diagnose_values(array, expected)
    if diagnosis:
        detail += f"\n    In short: {diagnosis}."
    return detail


def _is_integer(expected) -> bool:
    return isinstance(expected, (int, np.integer)) and not isinstance(expected, bool)


def _is_shape(expected) -> bool:
    return isinstance(expected, tuple) and all(isinstance(e, int) for e in expected)


def _is_scalar(expected) -> bool:
    return isinstance(expected, (float, np.floating)) or (isinstance(expected, np.ndarray)
                                                          and expected.ndim == 0)


#: How an expected value is compared, by its type: the first comparer whose test accepts it
#: (order matters: a bool is also an int, a 0-d array is also an array).
_COMPARERS = (
    (lambda expected: isinstance(expected, str), _compare_text),
    (lambda expected: isinstance(expected, bool), _compare_bool),
    (_is_integer, _compare_integer),
    (_is_shape, _compare_shape),
    (lambda expected: isinstance(expected, list), _compare_list),
    (_is_scalar, _compare_scalar),
    (lambda expected: isinstance(expected, np.ndarray), _compare_array),
)


def compare(aspect: Aspect, case: Case, got: dict, expected: dict, *, matching=False) -> str:
    """All differences between two observations (empty string: they agree)."""
    problems = []
    for name, expected_value in expected.items():
        tol = TOLERANCES[case.precision]
        if name in aspect.tolerances:  # a statistic: its tolerance is already as loose as it can be
            # ... but no stricter than the case's precision allows: a field's own tolerance
            # loosens float64's (sums that cancel, statistics), it must not hold a float32 case
            # to less than float32 rounding
            own = aspect.tolerances[name]
            tol = (max(own[0], tol[0]), max(own[1], tol[1]))
            if matching:  # matching loosens tenfold: undo that, keep the rest (nan equals nan)
                tol = (tol[0] / 10, tol[1] / 10)
        problem = compare_value(name, got.get(name), expected_value, case, tol, matching=matching)
        if problem:
            problems.append(problem)
    return "\n".join(problems)


def outcomes_agree(aspect: Aspect, case: Case, a: Outcome, b: Outcome) -> bool:
    """True if two implementations behaved the same way on ``case`` (used to spot mistakes)."""
    if a.error is not None or b.error is not None:  # the same error, message included
        # by name: an error that crossed from the isolated run is rebuilt in a class of its own
        return (a.error is not None and b.error is not None
                and type(a.error).__name__ == type(b.error).__name__
                and str(a.error) == str(b.error))
    if a.return_problem or b.return_problem:
        return a.return_problem == b.return_problem
    if aspect.stable and bool(a.overflow_warnings) != bool(b.overflow_warnings):
        return False
    return not compare(aspect, case, a.value, b.value, matching=True)


def visible_seed(key: str) -> int:
    """The fixed seed of an aspect's self-check cases (the hidden tests pass their own)."""
    return zlib.crc32(key.encode())
