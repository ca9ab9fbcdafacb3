"""``check``: run one aspect's cases against the learner's code and explain any failure."""
from __future__ import annotations

import warnings

import numpy as np

from autograder import mistakes as mistake_bank
from autograder.checks._core import (
    ASPECTS, MISTAKE_TAG, PARTS, Aspect, Case, NotWritten, Outcome, compare, outcomes_agree,
    reference, run, visible_seed,
)
from autograder.checks._symptoms import SYMPTOM_TAG, diagnose
from autograder.hints import mistake_ids

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


class CheckFailed(AssertionError):
    """A check found a difference from nnlib. The message says what was checked, what was
    expected, what came back, and (when it recognises one) the likely mistake.

    Attributes: ``key`` (``"part.aspect"``), ``part``, ``aspect``, ``case`` (the label of the
    first failing case), ``mistakes`` (ids of recognised known mistakes, best first), ``hidden``,
    ``symptoms`` (ids of the symptoms named when no known mistake was recognised).
    """

    def __init__(self, message: str, *, key: str, case: str, mistakes: tuple[str, ...],
                 hidden: bool, symptoms: tuple[str, ...] = ()):
        super().__init__(message)
        self.key = key
        self.part, self.aspect = key.split(".", 1)
        self.case = case
        self.mistakes = mistakes
        self.hidden = hidden
        self.symptoms = symptoms

    def _render_traceback_(self):
        # IPython calls this instead of printing a traceback: the frames inside the checks
        # would only hide the message, which already says where to look.
        return [f"{_RED}CheckFailed{_RESET}: " + str(self)]


def _aspect(key: str) -> Aspect:
    if not isinstance(key, str) or key not in ASPECTS:
        close = [k for k in ASPECTS if isinstance(key, str) and k.split(".")[0] == key.split(".")[0]]
        raise KeyError(f"no check named {key!r}" + (f"; this part has {close}" if close else ""))
    return ASPECTS[key]


def recognise(aspect: Aspect, cases: list[Case], learner: list[Outcome]) -> list:
    """The known mistakes of this part that behave exactly like the learner's code.

    A mistake is recognised when its outcome agrees with the learner's on *every* case (the same
    values within tolerance, or the same exception with the same message) and it is wrong on at
    least one of them, so that a mistake that happens to be right on these inputs is never named.
    """
    found = []
    expected = [reference(aspect, case) for case in cases]
    for mistake in mistake_bank.for_part(aspect.part):
        wrong_impl = mistake.load()
        outcomes = [run(aspect, wrong_impl, case, learner=False) for case in cases]
        if not all(outcomes_agree(aspect, c, mine, theirs)
                   for c, mine, theirs in zip(cases, learner, outcomes)):
            continue
        evidence = any(
            o.error is not None or o.return_problem
            or (o.value is not None and (compare(aspect, c, o.value, e)
                                         or (aspect.stable and o.overflow_warnings)))
            for c, o, e in zip(cases, outcomes, expected))
        if evidence:
            found.append(mistake)
    return found


def _failure_message(aspect: Aspect, case: Case, outcome: Outcome, difference: str,
                     found: list, hidden: bool, symptoms: list = ()) -> str:
    part = PARTS[aspect.part]
    test_kind = "a grading test" if hidden else "the self-check"
    lines = [f"\u2717 {part.name}, {aspect.what}: wrong ({test_kind}).",
             f"  Checked: {part.signature} on {case.label}."]
    if outcome.error is not None:
        lines.append(f"  Your code raised {type(outcome.error).__name__}: {outcome.error}")
        if outcome.error_text:
            lines.append("  Where, in your code:\n" + "\n".join(
                "    " + line for line in outcome.error_text.splitlines()))
    elif outcome.return_problem:
        lines.append(f"  {outcome.return_problem}")
    else:
        if difference:
            lines.append("  Compared with nnlib:")
            lines.extend("    " + line for line in difference.splitlines())
        if aspect.stable and outcome.overflow_warnings:
            shown = sorted(set(outcome.overflow_warnings))
            lines.append("  Your code overflowed on these inputs (" + "; ".join(shown)
                         + "): rewrite it so that no intermediate value overflows.")
    if found:
        lines.append("  Likely cause" + ("s" if len(found) > 1 else "") + ":")
        for mistake in found[:3]:
            lines.append(f"    - {mistake.hint} [{MISTAKE_TAG}{mistake.id}]")
    elif symptoms:
        lines.append("  Likely cause" + ("s" if len(symptoms) > 1 else "")
                     + ", from the symptom" + ("s" if len(symptoms) > 1 else "") + ":")
        for symptom_id, hint in symptoms:
            lines.append(f"    - {hint} [{SYMPTOM_TAG}{symptom_id}]")
    lines.append(f"  Read: {part.url}")
    return "\n".join(lines)


def _note_warnings(outcomes: list[Outcome]) -> None:
    """Tell the learner about warnings and stderr output that were not graded."""
    messages = sorted({w for o in outcomes for w in o.warnings})
    stderr = "".join(o.stderr for o in outcomes).strip()
    if messages:
        print("  note: your code emitted warnings (not graded here): " + "; ".join(messages[:3]))
    if stderr and not messages:
        print("  note: your code wrote to stderr (not graded): " + stderr.splitlines()[-1][:200])


def check(key: str, impl, *, seed: int | None = None, hidden: bool = False) -> None:
    """Check the learner's ``impl`` on one aspect of a part against nnlib.

    Args:
        key: ``"part.aspect"``, e.g. ``"adam_step.first_step"`` (see ``ASPECTS``).
        impl: the learner's function or class.
        seed: the random inputs' seed; the self-check uses a fixed one, the hidden tests their own.
        hidden: True for the grading tests, which add edge cases (zeros, large magnitudes, a batch
            of one, float32) and fresh random inputs.

    Prints one line on success and returns None (a test cell must not end in a value, which
    nbgrader would read as a partial score). Raises :class:`CheckFailed` on a difference, and
    re-raises the learner's ``NotImplementedError`` unchanged for a part not written yet.
    """
    # The checks' own arithmetic (comparing nan or inf results, say) must never write a warning
    # to stderr, which nbgrader would count as a failed test; the learner's code runs under its
    # own capture (see _core.run).
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        _check(key, impl, seed, hidden)


def _check(key: str, impl, seed: int | None, hidden: bool) -> None:
    aspect = _aspect(key)
    part = PARTS[aspect.part]
    if impl is None or not callable(impl):
        raise CheckFailed(
            f"{part.name}: expected your function or class {part.name}, got {impl!r}.\n"
            f"  Read: {part.url}", key=key, case="", mistakes=(), hidden=hidden)
    rng = np.random.default_rng(visible_seed(key) if seed is None else seed)
    cases = aspect.cases(rng, hidden)
    outcomes: list[Outcome] = []
    for index, case in enumerate(cases):
        try:
            outcome = run(aspect, impl, case, learner=True)
        except NotWritten as stub:
            error = stub.__cause__
            note = (f"{part.name} is not written yet: replace `raise NotImplementedError()` in "
                    f"its cell with your code, run that cell, then this one.")
            # Keep the learner's own NotImplementedError (graders count on its type) but show
            # one line instead of a traceback through the checks.
            error._render_traceback_ = lambda: [f"{_RED}NotImplementedError{_RESET}: {note}"]
            raise error from None
        outcomes.append(outcome)
        expected = reference(aspect, case)
        difference = "" if outcome.value is None else compare(aspect, case, outcome.value, expected)
        unstable = aspect.stable and outcome.overflow_warnings
        if outcome.value is None or difference or unstable:
            rest = [run(aspect, impl, c, learner=True) for c in cases[index + 1:]]
            found = recognise(aspect, cases, outcomes + rest)
            symptoms = [] if found else diagnose(aspect, impl, cases, outcomes + rest)
            message = _failure_message(aspect, case, outcome, difference, found, hidden,
                                       symptoms)
            raise CheckFailed(message, key=key, case=case.label,
                              mistakes=tuple(m.id for m in found), hidden=hidden,
                              symptoms=tuple(s for s, _ in symptoms)) from None
    kind = "grading tests" if hidden else "self-check"
    print(f"{_GREEN}\u2713{_RESET} {part.name}, {aspect.what}: right "
          f"({kind}, {len(cases)} case{'s' if len(cases) != 1 else ''}).")
    _note_warnings(outcomes)


def mistake_ids_in(text: str) -> list[str]:
    """The ids of the known mistakes named in a check's output (e.g. a graded notebook's cell),
    in order, without repeats."""
    return mistake_ids(text)
