"""The learner's loop measured on answers the bank was not built from (``learner_answers.py``).

Every answer runs through its part's checks twice, as a learner and as nbgrader see them:

- the **self-check**: ``check(key, impl)``, the visible cases of each test cell;
- **grading**: the same cell with its hidden tests too, ``check(key, impl, seed=S,
  hidden=True)`` with the seed of the source notebook's hidden test.

and the table counts, over the wrong answers: caught (some aspect loses its point in grading),
named (a failure message tags one of the answer's known mistakes or gives one of its symptom
hints, rather than only the generic description), false positives (a correct answer losing a
point, or a message naming a known mistake the answer does not make), and, per part, whether
the self-check's verdict equals grading's for every answer and aspect.

Targets (issue 13): no false positive, at least 90% of the caught mistakes named, and the same
verdict from the self-check and grading for every part. The table is printed by the measuring
tests: ``pytest tests/exercises/test_learner_answers.py -s``.
"""
from __future__ import annotations

import contextlib
import io
import linecache
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pytest
from scipy.special import erf

from exercise_tools import hidden_seeds
from learner_answers import ANSWERS, LearnerAnswer

from autograder import mistakes as mistake_bank
from autograder.checks import ASPECTS, PARTS, CheckFailed, check, mistake_ids_in

ASSIGNMENTS = ("fundamentals", "backpropagation", "activations", "optimizers", "regularization",
               "interview")
NAMED_TARGET = 0.9
#: Lines of a failure message that quote the case or the values rather than explain them.
_QUOTING = re.compile(r"^\s*(\u2717|Checked:|Read:|at .*: expected|Compared with nnlib:)")


@lru_cache(maxsize=None)
def seeds() -> dict[str, int]:
    return hidden_seeds(ASSIGNMENTS)


def load(answer: LearnerAnswer):
    """The answer's function or class, defined as in the notebook (after its setup cell)."""
    namespace = {"np": np, "math": math, "erf": erf, "__name__": f"learner:{answer.name}"}
    filename = f"<learner {answer.part}:{answer.name}>"
    # As IPython does for a cell: the source is readable, so a message can quote its lines.
    linecache.cache[filename] = (len(answer.source), None, answer.source.splitlines(True),
                                 filename)
    exec(compile(answer.source, filename, "exec"), namespace)
    return namespace[answer.part]


def _run(key: str, impl, **options) -> str | None:
    """None if the check passes, else its failure message."""
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            check(key, impl, **options)
        except CheckFailed as failure:
            return str(failure)
    return None


def explanation(message: str) -> str:
    """What a failure message says about the cause: without the lines quoting case and values."""
    return "\n".join(line for line in message.splitlines() if not _QUOTING.match(line))


@dataclass
class Result:
    answer: LearnerAnswer
    #: aspect key -> (self-check message or None, grading message or None); grading runs the
    #: self-check first, so its message is the self-check's when that fails.
    verdicts: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def messages(self) -> list[str]:
        return [graded for _, graded in self.verdicts.values() if graded is not None]

    @property
    def caught(self) -> bool:
        return bool(self.messages)

    @property
    def tagged(self) -> list[str]:
        return [i for message in self.messages for i in mistake_ids_in(message)]

    @property
    def named(self) -> bool:
        answer = self.answer
        return any(i in answer.ids for i in self.tagged) or any(
            re.search(pattern, explanation(message), re.IGNORECASE | re.DOTALL)
            for message in self.messages for pattern in answer.symptoms)

    @property
    def false_positives(self) -> list[str]:
        if self.answer.correct:
            return [f"{key}: {message}" for key, message in self.verdicts_failed()]
        return [f"names {i}" for i in self.tagged if i not in self.answer.ids]

    def verdicts_failed(self):
        return [(key, graded) for key, (_, graded) in self.verdicts.items() if graded is not None]

    @property
    def parity_breaks(self) -> list[str]:
        return [key for key, (visible, graded) in self.verdicts.items()
                if (visible is None) != (graded is None)]


def evaluate(answer: LearnerAnswer) -> Result:
    impl = load(answer)
    result = Result(answer)
    for key, aspect in ASPECTS.items():
        if aspect.part != answer.part:
            continue
        visible = _run(key, impl)
        graded = visible if visible is not None else _run(
            key, impl, seed=seeds()[key], hidden=True)
        result.verdicts[key] = (visible, graded)
    return result


@lru_cache(maxsize=1)
def results() -> tuple[Result, ...]:
    return tuple(evaluate(answer) for answer in ANSWERS)


@dataclass
class Figures:
    answers: int
    wrong: int
    false_positives: list[str]
    caught: int
    named: int
    parts: int
    parity_parts: int
    parity_breaks: list[str]
    missed: list[str]
    unnamed: list[str]

    @property
    def named_share(self) -> float:
        return self.named / self.caught if self.caught else 1.0


def figures() -> Figures:
    done = results()
    wrong = [r for r in done if not r.answer.correct]
    caught = [r for r in wrong if r.caught]
    parts = sorted({r.answer.part for r in done})
    breaks = [f"{r.answer.part}:{r.answer.name} ({', '.join(r.parity_breaks)})"
              for r in done if r.parity_breaks]
    broken_parts = {r.answer.part for r in done if r.parity_breaks}
    return Figures(
        answers=len(done), wrong=len(wrong),
        false_positives=[f"{r.answer.part}:{r.answer.name}: {fp}"
                         for r in done for fp in r.false_positives],
        caught=len(caught), named=sum(r.named for r in caught),
        parts=len(parts), parity_parts=len(parts) - len(broken_parts), parity_breaks=breaks,
        missed=[f"{r.answer.part}:{r.answer.name}" for r in wrong if not r.caught],
        unnamed=[f"{r.answer.part}:{r.answer.name}" for r in caught if not r.named])


def table() -> str:
    lines = [f"{'answer':<48} {'self-check':<12} {'grading':<12} named  tags"]
    for r in results():
        visible = "pass" if all(v is None for v, _ in r.verdicts.values()) else "FAIL"
        graded = "pass" if not r.caught else "FAIL"
        named = "-" if r.answer.correct or not r.caught else ("yes" if r.named else "NO")
        tags = ",".join(dict.fromkeys(r.tagged))
        lines.append(f"{r.answer.part + ':' + r.answer.name:<48} {visible:<12} {graded:<12} "
                     f"{named:<6} {tags}")
    f = figures()
    lines += [
        "",
        f"answers: {f.answers} ({f.answers - f.wrong} correct, {f.wrong} wrong)",
        f"false positives: {len(f.false_positives)}",
        f"caught: {f.caught} of {f.wrong}" + (f" (missed: {', '.join(f.missed)})" if f.missed else ""),
        f"named with a specific hint: {f.named} of {f.caught} caught ({100 * f.named_share:.0f}%)",
        f"parts whose self-check verdict equals grading's: {f.parity_parts} of {f.parts}",
    ]
    return "\n".join(lines)


# --- the set itself ----------------------------------------------------------------------------

def _normalized(source: str) -> str:
    return " ".join(source.split())


def test_the_set_has_forty_wrong_answers_and_a_correct_one_for_every_part():
    parts = {p.name for p in PARTS.values() if p.assignment in ASSIGNMENTS}
    correct = {a.part for a in ANSWERS if a.correct}
    assert correct == parts, f"parts without a correct answer: {sorted(parts - correct)}"
    assert sum(not a.correct for a in ANSWERS) >= 40
    names = [(a.part, a.name) for a in ANSWERS]
    assert len(names) == len(set(names))


def test_the_set_is_not_copied_from_the_bank_nor_the_bank_from_it():
    bank = {_normalized(m.source.replace("import numpy as np", "")) for m in mistake_bank.MISTAKES}
    copied = [f"{a.part}:{a.name}" for a in ANSWERS if _normalized(a.source) in bank]
    assert not copied


def test_every_wrong_answer_says_what_may_name_it_and_no_correct_one_does():
    # Ids may name mistakes the bank does not have (yet): they then simply cannot be named.
    for answer in ANSWERS:
        assert answer.correct == (not answer.ids and not answer.symptoms), answer.name


# --- the measurement ---------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def _show_table_once():
    yield
    print("\n" + table())


def test_no_false_positives():
    found = figures().false_positives
    assert not found, "false positives:\n" + "\n".join(found) + "\n\n" + table()


def test_at_least_ninety_percent_of_caught_mistakes_are_named():
    f = figures()
    assert f.named_share >= NAMED_TARGET, (
        f"{f.named} of {f.caught} named; not named: {', '.join(f.unnamed)}\n\n" + table())


def test_the_self_check_verdict_equals_the_grading_verdict_for_every_part():
    f = figures()
    assert f.parity_parts == f.parts, ("self-check passes but grading fails:\n"
                                       + "\n".join(f.parity_breaks) + "\n\n" + table())


@pytest.mark.parametrize("answer", [a for a in ANSWERS if a.issue13],
                         ids=[f"{a.part}:{a.name}" for a in ANSWERS if a.issue13])
def test_issue_13_mistakes_are_caught(answer):
    result = next(r for r in results() if r.answer is answer)
    assert result.caught, f"{answer.part}:{answer.name} passes grading"

