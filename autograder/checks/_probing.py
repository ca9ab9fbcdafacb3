"""Symptoms found by re-running nnlib on changed inputs or by sorting the cases by kind.

- :func:`aspect_probes`: the aspect's own probes (:class:`~._core.Probe`), e.g. a step counter
  off by one or a mode mix-up;
- :func:`general_probes`: probes that hold for any function part: a sign flipped, two returned
  values swapped, two arguments swapped (same-shaped arrays, or two numbers), one number used
  in place of another (beta1 where beta2 belongs), an argument ignored (nnlib with it at its
  default);
- :func:`only_kind`: wrong on exactly the cases of one kind (tiny values, large ones, a flag's
  value...), a few among many right ones.
"""
from __future__ import annotations

import numpy as np

from autograder.checks._core import (
    Aspect, Case, Outcome, Probe, argument_names, case_kinds, compare, outcomes_agree, reference,
)


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


def _general_probes(aspect: Aspect, cases: list[Case]) -> list[Probe]:
    """Probes that hold for any function part, made from its arguments and returned values:
    a sign flipped, two returned values swapped, two arguments swapped, and an argument
    ignored (nnlib re-run with it at its default value)."""
    probes = []
    fields = list(reference(aspect, cases[0])) if cases else []
    for name in fields:
        def flip(theirs, name=name):
            negated = _negated(theirs[name])
            if negated is None:  # an int, a bool, a string: no sign to flip, no claim
                raise ValueError(f"{name} has no sign to flip")
            return {**theirs, name: negated}
        probes.append(Probe(
            "sign-flipped", f"{name}: your result is minus nnlib's on every case where it is "
            f"wrong: a sign flipped. Check the order of a subtraction (prediction - target or "
            f"target - prediction) and every minus sign in your formula.",
            change=lambda case: case, output=flip))
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
        for second in names[i + 1:]:
            def swapped(case, a=first, b=second):
                x, y = _argument(aspect, case, a), _argument(aspect, case, b)
                same_arrays = (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
                               and x.shape == y.shape)
                two_numbers = all(isinstance(v, (float, np.floating)) for v in (x, y))
                if not (same_arrays or two_numbers) or (two_numbers and x == y):
                    return None
                return _with_argument(_with_argument(case, names, a, y), names, b, x)
            probes.append(Probe(
                "arguments-swapped", f"Your results are nnlib's with `{first}` and `{second}` "
                f"swapped: check which argument goes where in your formula.",
                change=swapped))
            for used, lost in ((first, second), (second, first)):
                def replaced(case, used=used, lost=lost):
                    x, y = _argument(aspect, case, used), _argument(aspect, case, lost)
                    if not all(isinstance(v, (float, np.floating)) and abs(v) >= 1e-3
                               for v in (x, y)) or x == y:
                        return None  # eps-sized numbers: "replaced by eps" would mean "left out"
                    return _with_argument(case, names, lost, x)
                probes.append(Probe(
                    "argument-replaced", f"Your results are nnlib's with `{lost}` equal to "
                    f"`{used}`: you use `{used}` where `{lost}` belongs (a copied line whose "
                    f"name was not changed?).", change=replaced))
    for name, default in aspect.defaults.items():
        if not (default is None or isinstance(default, (int, float, bool))):
            continue

        def at_default(case, name=name, default=default):
            if name not in names[:len(case.args)] and name not in case.kwargs:
                return None  # the case leaves it at its default already
            value = _argument(aspect, case, name)
            if value is default or (not isinstance(value, np.ndarray) and value == default):
                return None
            return _with_argument(case, names, name, default)
        probes.append(Probe(
            "argument-ignored", f"Your results are nnlib's with `{name}` at its default value "
            f"{default!r}, not the value the case passes: your code ignores the `{name}` it is "
            f"given (a value written into the code instead of the argument, or a branch that "
            f"never reads it?).",
            change=at_default))
    return probes


def _argument(aspect: Aspect, case: Case, name: str):
    """The value of argument ``name`` in ``case``: given by position or keyword, else its
    default (None when it has none)."""
    names = argument_names(aspect)
    if name in names and names.index(name) < len(case.args):
        return case.args[names.index(name)]
    return dict(case.kwargs).get(name, aspect.defaults.get(name))


def _with_argument(case: Case, names: tuple[str, ...], name: str, value) -> Case:
    """``case`` with argument ``name`` set to ``value`` (by position if it was given so)."""
    if name in names and names.index(name) < len(case.args):
        args = list(case.args)
        args[names.index(name)] = value
        return case.replace(*args)
    return case.replace(**{name: value})


def general_probes(aspect: Aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
    return aspect_probes(aspect, impl, cases, outcomes, expected,
                         _general_probes(aspect, cases), explain_all=True)


def aspect_probes(aspect: Aspect, impl, cases, outcomes, expected, probes=None,
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
                return probe.id, probe.hint
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
            f"there, small terms that vanish elsewhere decide the result. Check eps (inside or "
            f"outside a square root, added or not) and any small term your formula adds or "
            f"leaves out (a weight decay, a regularizer).")
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
    if kind.endswith(" axes"):
        return "only-more-axes", (
            f"Your results are wrong exactly where {kind.split(' with ')[0]} has "
            f"{kind.split(' with ')[1]}, and right on the cases with fewer: code written for "
            f"2-D input, such as [:, None], axis=1, .T or a shape unpacked into two names. "
            f"Reduce over axis=-1 with keepdims=True, and swap the last two axes with "
            f"np.swapaxes(a, -1, -2).")
    if kind.endswith(" mode"):
        return "only-one-mode", f"Your results are wrong exactly for {kind}: check that branch."
    return None


def only_kind(aspect, impl, cases, outcomes, expected) -> tuple[str, str] | None:
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
            return found
    return None


__all__ = ["aspect_probes", "general_probes", "only_kind"]
