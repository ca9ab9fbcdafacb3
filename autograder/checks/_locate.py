"""The statement of the learner's code where their values go wrong, proved by repairing it.

Tracing nnlib's run of a case gives every value it computes on the way (its local variables,
the arrays its modules keep, what it returns). Tracing the learner's run gives theirs, statement
by statement. A learner's value that equals none of nnlib's is a suspect. Its statement is *the*
wrong one when

- every variable the statement reads holds one of nnlib's values (otherwise the mistake is
  earlier, and repairing the last statement before a return would always "work"), and
- the learner's code, re-run with the suspect replaced by one of nnlib's values (the same
  variable, after the same pass through the same statement), returns nnlib's result.

A value merely computed another way than nnlib's (a legitimate intermediate nnlib never names)
never passes that test, so a right statement is never named. Refinements:

- a value the statement reads may be one of nnlib's and still the wrong one for its place (the
  value before a ReLU where the code needs the one after): when putting another of nnlib's
  values there makes the result right, that earlier statement is named, "or just after it";
- two statements are named together when only repairing both makes the result right (the
  mean and the variance, both over the wrong axis);
- a return statement's value cannot be replaced: it is named when what it reads is right, what
  it returns is not, and it computes something, in a method or a function of several
  statements (in a one-line function, the line is no news).

Loops are followed pass by pass (the third pass through a statement is repaired on the third
pass); a mistake spread over every pass of a loop (each entry of an output accumulated wrongly)
cannot be repaired in one place and is left to the other symptoms.
"""
from __future__ import annotations

import ast
import functools
import linecache
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograder import content
from autograder.checks._core import Aspect, Case, Outcome, compare, constant_ratio, run
from autograder.checks._trace import _is_learners, run_traced

#: How many suspects are tried per case, and how many of nnlib's values for each (the nearest
#: first): the search re-runs the learner's code once per pair, so both stay small.
SUSPECTS, REPAIRS = 6, 8
#: How many of nnlib's values are tried for each of two statements repaired together.
PAIRED = 6
#: How many of nnlib's values are kept per case (a conv layer computes many).
KEPT = 400


def _as_numbers(value) -> np.ndarray | None:
    """``value`` as a float64 array if it is a number or a numeric array (bools as 0/1); None
    for anything else (strings, objects, ragged lists)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.size > 100_000:
            return None
        return value.astype(np.float64)
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return np.asarray(float(value))
    return None


def _leaves(value, depth: int = 2):
    """The numbers and numeric arrays in ``value``: itself, or inside tuples, lists, dicts and
    an object's attributes (a module's cached arrays, a parameter's data), ``depth`` levels
    down."""
    numbers = _as_numbers(value)
    if numbers is not None:
        yield numbers
        return
    if depth == 0:
        return
    if isinstance(value, (list, tuple)):
        items = value
    elif isinstance(value, dict):
        items = list(value.values())
    elif hasattr(value, "__dict__") and not isinstance(value, type) and not callable(value):
        items = list(vars(value).values())
    else:
        return
    for item in items[:64]:
        yield from _leaves(item, depth - 1)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1.0) if np.isfinite(b).all() else 1.0
    return bool(np.allclose(a, b, rtol=1e-4, atol=1e-6 * scale, equal_nan=True))


class _Values:
    """Distinct numeric values, kept by shape (a value is only ever compared with those of its
    own shape)."""

    def __init__(self):
        self._by_shape: dict[tuple, list[np.ndarray]] = {}
        self._count = 0
        self.given: _Values | None = None  # those among them that are the case's arguments

    def __iter__(self):
        for kept in self._by_shape.values():
            yield from kept

    def add(self, value: np.ndarray) -> None:
        if self._count < KEPT and not self.has(value):
            self._by_shape.setdefault(value.shape, []).append(value.copy())
            self._count += 1

    def has(self, value: np.ndarray) -> bool:
        return any(_close(value, kept) for kept in self._by_shape.get(value.shape, ()))


def _is_nnlibs(filename: str, checks: tuple[str, ...]) -> bool:
    """Whether ``filename`` is nnlib's or the course's checks' (``checks``: their folders)."""
    path = os.path.abspath(filename) if not filename.startswith("<") else filename
    return "/nnlib/" in path or path.startswith(checks)


def nnlib_values(aspect: Aspect, case: Case, expected: dict) -> _Values:
    """Every value nnlib computes on ``case``, and the results themselves."""
    values, values.given = _Values(), _Values()
    for result in expected.values():
        for leaf in _leaves(result):
            values.add(leaf)
    for argument in (*case.args, *dict(case.kwargs).values()):
        for leaf in _leaves(argument):
            values.given.add(leaf)

    checks = tuple(str(p) for p in content.source_paths())  # once, not at every call

    def tracer(frame, event, arg):
        if event != "call" or not _is_nnlibs(frame.f_code.co_filename, checks):
            return None

        seen: dict[str, Any] = {}  # each local as last seen: its object, or an array's bytes

        def local(frame, event, arg):
            # Each local when it is bound to a new object or an array of it changes in place,
            # and everything at the return: cheaper than every local at every line.
            if event not in ("line", "return"):
                return local
            for name, value in list(frame.f_locals.items()):
                now = (value.shape, value.tobytes()) if isinstance(
                    value, np.ndarray) and value.size <= 10_000 else id(value)
                if event == "return" or seen.get(name) != now:
                    seen[name] = now
                    for leaf in _leaves(value):
                        values.add(leaf)
            if event == "return":
                for leaf in _leaves(arg):
                    values.add(leaf)
            return local

        return local

    run_traced(lambda: aspect.expect(case), tracer)
    return values


@dataclass(frozen=True)
class Assignment:
    """One value the learner's code gave a variable: ``name`` after the ``count``-th pass
    through ``line`` of ``code``."""

    code: Any
    line: int
    count: int
    name: str
    value: np.ndarray
    original: Any  # the value as the learner's code had it (its type and dtype)
    names: tuple[str, ...] = ()  # the frame's numeric local variables after that line
    #: Its other local variables that the code made (lists, dicts, objects; not the arguments),
    #: whose values cannot be compared with nnlib's: a statement that reads one is never proved
    #: wrong.
    opaque: tuple[str, ...] = ()


def _numeric_locals(frame) -> dict[str, tuple[np.ndarray, Any]]:
    """``{name: (as float64, as it is)}`` for a frame's local numbers and numeric arrays."""
    found = {}
    for name, value in list(frame.f_locals.items()):
        numbers = _as_numbers(value)
        if numbers is not None:
            found[name] = (numbers, value)
    return found


def _statement_starts(filename: str) -> dict[int, int]:
    """Each line of a simple statement in the learner's source -> the statement's first line
    (Python reports a statement written over several lines as events on each of them)."""
    return _starts_in("".join(linecache.getlines(filename)))


@functools.lru_cache(maxsize=64)
def _starts_in(source: str) -> dict[int, int]:
    """:func:`_statement_starts` for a source text, parsed once (the result is not changed)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    starts = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                starts[line] = node.lineno
    return starts


#: How many statements of the learner's code one traced run may complete: a value put in by
#: a repair can keep a loop going for ever (a ``while`` on a norm), which must not hang the check.
STATEMENTS = 200_000


class RunawayRepair(Exception):
    """A traced run of the learner's code went on past :data:`STATEMENTS` statements."""


#: How many repaired re-runs of the learner's code one symptom may spend (a trajectory of many
#: steps costs as much per run as all its steps), so that a failure message stays quick: past
#: it, no statement is named.
RUNS = 100
_runs_left = [RUNS]  # reset by wrong_line_symptom; the checks run one at a time


class OutOfRuns(Exception):
    """The search for the wrong statement spent its :data:`RUNS`."""


#: What ``after`` gets as the returned value of a statement that is not a return.
NOTHING = object()
#: The name under which the learner's returned values are recorded (with their place in a
#: returned tuple), as if they were variables.
RETURNED = "<returned>"


def _run_statements(call: Callable[[], Any], on_call, after) -> None:
    """Run ``call()`` and, in each frame of the learner's code, call ``on_call(frame)`` when it
    starts and ``after(frame, line, count, returned)`` after each statement it completes
    (``line`` the statement's first line, ``count`` the how-many-th pass through it,
    ``returned`` the value a return statement returns, else ``NOTHING``). ``after`` sees the
    frame's locals as the statement left them, and a value it writes into ``frame.f_locals``
    is the one the code goes on with."""
    passes: dict[tuple, int] = {}
    starts: dict[str, dict[int, int]] = {}
    budget = [STATEMENTS]

    def tracer(frame, event, arg):
        filename = frame.f_code.co_filename
        if event != "call" or not _is_learners(filename):
            return None
        if filename not in starts:
            starts[filename] = _statement_starts(filename)
        lines = starts[filename]
        on_call(frame)
        state = {"line": None}

        def local(frame, event, arg):
            if event not in ("line", "return"):
                return local
            now = lines.get(frame.f_lineno, frame.f_lineno) if event == "line" else None
            done = state["line"]
            if done is not None and done != now:
                budget[0] -= 1
                if budget[0] < 0:  # a repaired value that keeps a loop going: stop it
                    raise RunawayRepair(f"more than {STATEMENTS} statements")
                key = (frame.f_code, done)
                passes[key] = passes.get(key, 0) + 1
                after(frame, done, passes[key], arg if event == "return" else NOTHING)
            state["line"] = now
            return local

        return local

    run_traced(call, tracer)


def _learner_assignments(aspect: Aspect, impl, case: Case) -> list[Assignment]:
    """The values the learner's code gives its local variables, in order, each with the
    statement that gave it."""
    found: list[Assignment] = []
    seen: dict[Any, dict] = {}  # frame -> its numeric locals after the last statement

    given: dict[Any, set] = {}  # frame -> the names of its arguments

    def on_call(frame):
        seen[frame] = _numeric_locals(frame)  # the arguments: the case's values, not computed
        given[frame] = set(frame.f_locals)

    def after(frame, line, count, returned):
        now = _numeric_locals(frame)
        opaque = tuple(name for name in frame.f_locals
                       if name not in now and name not in given[frame] and name != "self")
        for name, (numbers, value) in now.items():
            before = seen[frame].get(name)
            if before is None or before[0].shape != numbers.shape or not np.array_equal(
                    before[0], numbers, equal_nan=True):
                found.append(Assignment(frame.f_code, line, count, name, numbers, value,
                                        tuple(now), opaque))
        seen[frame] = now
        if returned is not NOTHING and not frame.f_code.co_name.startswith("<"):
            parts = returned if isinstance(returned, tuple) else (returned,)
            for index, part in enumerate(parts):
                numbers = _as_numbers(part)
                if numbers is not None:
                    found.append(Assignment(frame.f_code, line, count, f"{RETURNED}{index}",
                                            numbers, part, tuple(now), opaque))

    _run_statements(lambda: aspect.observe(impl, case), on_call, after)
    return found


def _in_learners_form(value: np.ndarray, original):
    """nnlib's value in the form the learner's variable had (a Python number, a float32
    array...)."""
    if isinstance(original, np.ndarray):
        return value.astype(original.dtype).copy()
    if isinstance(original, (int, np.integer)):
        return int(round(float(value)))
    return type(original)(float(value)) if isinstance(original, float) else original.dtype.type(
        float(value))


def _repaired(aspect: Aspect, impl, case: Case, fixes: list[tuple[Assignment, np.ndarray]]
              ) -> Outcome:
    """The learner's outcome on ``case`` with, for each ``(at, value)`` of ``fixes``, their
    variable ``at.name`` set to ``value`` right after their ``at.count``-th pass through the
    statement at ``at.line``."""
    if _runs_left[0] <= 0:
        raise OutOfRuns()
    _runs_left[0] -= 1
    replacements = {(at.code, at.line, at.count): (at.name, _in_learners_form(value, at.original))
                    for at, value in fixes}

    def after(frame, line, count, returned):
        if (frame.f_code, line, count) in replacements:
            name, value = replacements[(frame.f_code, line, count)]
            frame.f_locals[name] = value  # written back when the tracer returns

    outcome: list[Outcome] = []
    _run_statements(lambda: outcome.append(run(aspect, impl, case, learner=False)),
                    lambda frame: None, after)
    return outcome[0]


def _candidates(at: Assignment, values: _Values, other_shapes: bool = True) -> list[np.ndarray]:
    """nnlib's values that may be the one meant for ``at``: those of its shape, nearest first,
    then (``other_shapes``) arrays of other shapes, those nnlib computed before the case's own
    arguments, and those of the nearest size first (a mean over the wrong axis has the wrong
    shape)."""
    same = [v for v in values if v.shape == at.value.shape and not _close(at.value, v)]
    same.sort(key=lambda v: float(np.nanmax(np.abs(v - at.value), initial=0.0)))
    others = [v for v in values if v.shape != at.value.shape and v.ndim and at.value.ndim]
    others.sort(key=lambda v: (values.given.has(v), abs(v.size - at.value.size),
                               v.ndim != at.value.ndim))
    return (same + others if other_shapes else same)[:REPAIRS]


def _right(aspect: Aspect, case: Case, outcome: Outcome, expected: dict) -> bool:
    return (outcome.value is not None and not outcome.return_problem
            and not compare(aspect, case, outcome.value, expected))


@dataclass(frozen=True)
class WrongLine:
    """Where the learner's values go wrong on one case, and nnlib's value that repairs it."""

    at: Assignment
    right: np.ndarray
    agreed: bool  # every value the learner's code computed before it is one of nnlib's
    #: ``at``'s value is one nnlib computes too, but not the one its place needs: a step
    #: (a ReLU, a mask) is missing there or just after.
    misplaced: bool = False
    #: A second statement that must be repaired too (the mean and the variance, both over
    #: the wrong axis), and nnlib's value for it.
    also: tuple[Assignment, np.ndarray] | None = None


def wrong_line(aspect: Aspect, impl, case: Case, expected: dict) -> WrongLine | None:
    """Where the learner's values go wrong on ``case``, or None.

    The first of the learner's values that matches none of nnlib's (looking at no more than
    ``SUSPECTS`` of them) and whose repair makes the whole result right, provided every
    variable its statement reads holds one of nnlib's values. One of those may still be the
    wrong one of nnlib's values for its place (the value before a ReLU where the code needed
    the one after): when repairing it makes the result right, whether or not repairing the
    suspect does, it is the cause. When no single repair works, the first two such suspects are
    repaired together (a mean and a variance, both over the wrong axis).
    """
    assignments = _learner_assignments(aspect, impl, case)
    if not any(linecache.getlines(at.code.co_filename) for at in assignments[:1]):
        return None  # the learner's source cannot be read: no statement can be named
    values = nnlib_values(aspect, case, expected)
    suspects = 0
    latest: dict[tuple, Assignment] = {}  # each variable's last assignment, by (code, name)
    unrepaired, tried_pair = None, False  # the first suspect no single repair puts right
    for at in assignments:
        if values.has(at.value) or _is_count(at.original):
            latest[(at.code, at.name)] = at
            continue
        suspects += 1
        if suspects > SUSPECTS:
            break
        read = _read_assignments(at, latest)
        if read is not None and all(values.has(r.value) or _is_count(r.original)
                                    for r in read) and not _is_filler(at):
            if at.name.startswith(RETURNED):  # a return statement's value cannot be replaced
                right = _returned_right(at, expected) if _computes(at) else None
            else:
                right = _repair(aspect, impl, case, expected, at, _candidates(at, values))
            for earlier in (r for r in read if not _is_count(r.original)):
                cause = _repair(aspect, impl, case, expected, earlier,
                                _candidates(earlier, values, other_shapes=False)[:REPAIRS // 2])
                if cause is not None:
                    return WrongLine(earlier, cause, agreed=suspects == 1, misplaced=True)
            if right is not None:
                return WrongLine(at, right, agreed=suspects == 1)
            if unrepaired is None:
                unrepaired = at
            elif not at.name.startswith(RETURNED) and not tried_pair:
                tried_pair = True
                pair = _repair_pair(aspect, impl, case, expected, unrepaired, at, values)
                if pair is not None:
                    return WrongLine(unrepaired, pair[0], agreed=suspects == 2, also=(at, pair[1]))
        latest[(at.code, at.name)] = at
    return None


def _repair_pair(aspect, impl, case, expected, first: Assignment, second: Assignment,
                 values: _Values) -> tuple[np.ndarray, np.ndarray] | None:
    """nnlib's values for two statements that, put in place together, make the learner's whole
    result right (as the learner's code holds them), or None."""
    for one in _candidates(first, values)[:PAIRED]:
        for two in _candidates(second, values)[:PAIRED]:
            if _right(aspect, case, _repaired(aspect, impl, case, [(first, one), (second, two)]),
                      expected):
                return (np.asarray(_in_learners_form(one, first.original), np.float64),
                        np.asarray(_in_learners_form(two, second.original), np.float64))
    return None


def _computes(at: Assignment) -> bool:
    """Whether ``at``'s return statement computes something (not only returns names), in a
    method of a class or a function of more than one statement (in a one-line function, the
    line is no news)."""
    text = _statement_text(at)
    starts = _statement_starts(at.code.co_filename)
    statements = {starts.get(line, line) for _, _, line in at.code.co_lines() if line}
    owner = at.code.co_qualname.split(".")[-2:-1]  # a method's class; a nested function's "<locals>"
    several = len(statements - {at.code.co_firstlineno}) > 1 or owner not in ([], ["<locals>"])
    return several and text.startswith("return") and re.search(
        r"[-+*/@%(\[]", text[len("return"):]) is not None


def _returned_right(at: Assignment, expected: dict) -> np.ndarray | None:
    """The result nnlib returns for what ``at`` returns (the one of its shape, if only one)."""
    same = [leaf for value in expected.values() for leaf in _leaves(value)
            if leaf.shape == at.value.shape and not _close(at.value, leaf)]
    return same[0] if len(same) == 1 else None


def _repair(aspect, impl, case, expected, at: Assignment, candidates) -> np.ndarray | None:
    """The first of ``candidates`` that, put in place of ``at``'s value, makes the learner's
    whole result right (as the learner's code holds it), or None."""
    for value in candidates:
        if _right(aspect, case, _repaired(aspect, impl, case, [(at, value)]), expected):
            return np.asarray(_in_learners_form(value, at.original), np.float64)
    return None


def _read_assignments(at: Assignment, latest: dict) -> list[Assignment] | None:
    """The learner's own earlier assignments that the statement of ``at`` reads (by the names
    it mentions; the arguments are the case's values and count as right); None when its text
    cannot be read or it reads a list, a dict or an object, whose values cannot be checked."""
    text = _statement_text(at)
    mentioned = set(re.findall(r"[A-Za-z_]\w*", text))
    if not text or mentioned & set(at.opaque):
        return None
    names = mentioned & set(at.names)
    return [latest[(at.code, name)] for name in sorted(names) if (at.code, name) in latest]


def _statement_text(at: Assignment) -> str:
    """The statement at ``at.line`` on one line, without comments."""
    starts = _statement_starts(at.code.co_filename)
    lines = [line for line, start in sorted(starts.items()) if start == at.line] or [at.line]
    return " ".join(linecache.getline(at.code.co_filename, line).split("#", 1)[0].strip()
                    for line in lines).strip()


def _is_count(value) -> bool:
    """A whole number (a size read from a shape, a loop index): taken as right, never repaired.
    Putting another number there could only "prove" that a division by it is a mistake."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_filler(at: Assignment) -> bool:
    """An array made to be filled in (np.zeros, np.ones, np.full...), whose "repair" would only
    say that the code never fills it."""
    value = at.value
    return (value.size > 1 and bool(np.all(value == value.flat[0]))
            and re.search(r"\b(zeros|ones|empty|full)(_like)?\(", _statement_text(at)) is not None)


def _difference(subject: str, got: np.ndarray, right: np.ndarray) -> str:
    """How the learner's value (``subject``: "your `x` there", "what it returns") differs from
    the right one, in words."""
    yours = subject[0].upper() + subject[1:]
    if got.shape != right.shape:
        why = (" (its axes in another order: a transpose?)" if sorted(got.shape) == sorted(
            right.shape) else " (a sum or mean over another axis, or keepdims?)"
            if got.ndim != right.ndim else "")
        return f"{yours} has shape {got.shape}; the right one has shape {right.shape}{why}."
    masked = ~np.isfinite(right) & np.isfinite(got)
    if masked.any():
        return (f"The right value is {right[masked].flat[0]:g} at {int(masked.sum())} of its "
                f"{got.size} entries where {subject} is finite: the mask belongs there "
                f"(np.where(mask, scores, -np.inf)), before the softmax.")
    if got.size == 1:
        ratio = constant_ratio(got, right)
        times = f" ({ratio:.6g} times it)" if ratio is not None else ""
        return f"{yours} is {float(got):.6g}; the right one is {float(right):.6g}{times}."
    if got.ndim == 2 and got.shape == got.shape[::-1] and _close(got.T, right):
        return f"{yours} is the right one transposed."
    if _close(right, np.maximum(got, 0)):
        return (f"The right value is {subject} with its negative entries set to 0: a ReLU "
                f"(np.maximum(..., 0)) missing there or just before.")
    if _close(got, np.maximum(right, 0)):
        return f"{yours} is the right one with its negative entries set to 0: a ReLU too many."
    ratio = constant_ratio(got, right)
    if ratio is not None and abs(ratio + 1) < 1e-6:
        return f"{yours} has the opposite sign of the right one."
    if ratio is not None:
        return f"{yours} is {ratio:.6g} times the right one."
    bad = ~np.isclose(got, right, rtol=1e-4, atol=1e-6)
    first = "; ".join(f"at {_index(i)}: yours {got[i]:.6g}, right {right[i]:.6g}"
                      for i in list(zip(*np.nonzero(bad)))[:3])
    return (f"{yours} differs from the right one in {int(bad.sum())} of its {got.size} "
            f"entries ({first}).")


def _index(index: tuple) -> str:
    return str(tuple(int(i) for i in index)) if len(index) > 1 else str(int(index[0]))


def wrong_line_symptom(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    """The wrong line, when it is the same on every wrong case where one is found (looking at up
    to three of them, and finding it on at least two, or on the only one)."""
    wrong = [(c, e) for c, o, e in zip(cases, outcomes, expected)
             if not o.modified and not o.return_problem and not _right(aspect, c, o, e)]
    if not wrong:
        return None
    first, proved = None, 0
    _runs_left[0] = RUNS
    for case, exp in wrong[:3]:
        try:
            with np.errstate(all="ignore"):  # comparing with nnlib's values that hold inf or nan
                found = wrong_line(aspect, impl, case, exp)
        except OutOfRuns:
            break
        if found is None:
            continue  # nothing proved on this case (all its values alike, say): no claim
        if first is not None and _place(found) != _place(first[0]):
            return None
        first, proved = first or (found, case), proved + 1
    if proved < min(2, len(wrong)):
        return None
    found, case = first
    at = found.at
    before = " Up to there your values agree with the ones nnlib computes." if found.agreed else ""
    if found.also is not None:
        second, right = found.also
        return "wrong-line", (
            f"Your values go wrong on lines {at.line} and {second.line} of your code: "
            f"{_quoted(at)} and {_quoted(second)} ({case.label}).{before} With the right "
            f"`{at.name}` and `{second.name}` after them, the rest of your code gives nnlib's "
            f"result. " + _difference(f"your `{at.name}` there", at.value, found.right) + " "
            + _difference(f"your `{second.name}` there", second.value, right))
    runs = f" (the {_ordinal(at.count)} time it runs)" if at.count > 1 else ""
    after = " or just after it" if found.misplaced else ""
    quoted = f": {_quoted(at)}" if _statement_text(at) else ""
    where = (f"Your values go wrong on line {at.line} of your code{runs}{after}{quoted} "
             f"({case.label}).")
    if at.name.startswith(RETURNED):
        return "wrong-line", (
            f"{where} The values it reads agree with the ones nnlib computes, and what it "
            f"returns does not: the mistake is in that expression. "
            + _difference("what it returns", at.value, found.right))
    return "wrong-line", (
        f"{where}{before} With the right `{at.name}` after it, the rest of your code gives "
        f"nnlib's result. " + _difference(f"your `{at.name}` there", at.value, found.right))


def _quoted(at: Assignment) -> str:
    text = _statement_text(at)
    return f"`{text if len(text) <= 160 else text[:157] + '...'}`"


def _place(found: WrongLine) -> tuple:
    """Where a case's values go wrong, to compare with another case's."""
    also = found.also[0] if found.also else None
    return (found.at.code, found.at.line, found.at.name,
            also and (also.code, also.line, also.name))


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


__all__ = ["nnlib_values", "wrong_line", "wrong_line_symptom"]
