"""Read an executed notebook's test cells: what failed, why, and which known mistake it was.

The exercises' checks (``autograder.checks``) name a recognised mistake in the failure message as
``[known mistake: <id>]``; the bank (``autograder.mistakes``) gives its description (for the
instructor) and hint (for the learner). Any test may use the tag, so a course's own notebooks can
name their own mistakes; an id the bank does not know is shown with the failure message as its
hint.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: How a test's output names a known mistake: ``[known mistake: <id>]`` (written by the checks).
MISTAKE_TAG = "known mistake: "
_TAG = re.compile(r"\[" + re.escape(MISTAKE_TAG) + r"([A-Za-z0-9_.:-]+)\]")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def mistake_ids(text: str) -> list[str]:
    """The known-mistake ids named in ``text``, in order, without repeats."""
    seen = []
    for found in _TAG.findall(text):
        if found not in seen:
            seen.append(found)
    return seen


@dataclass
class MistakeInfo:
    id: str
    description: str | None
    hint: str | None
    part: str | None = None


def describe(mistake_id: str) -> MistakeInfo:
    """What the bank says about ``mistake_id`` (description and hint None if it is not there)."""
    from autograder import mistakes

    try:
        known = mistakes.get(mistake_id)
    except KeyError:  # a course's own notebook may name mistakes the bank does not have
        return MistakeInfo(mistake_id, None, None)
    return MistakeInfo(mistake_id, known.description, known.hint, known.part)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def failure_text(cell: dict) -> str:
    """What a failing cell reported: each error's message, then stderr. Tracebacks are left
    out on purpose: they quote the test's source, which may name mistakes it did not see."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            parts.append(_text(output.get("text")))
    return "\n".join(p for p in parts if p)


def failure_message(cell: dict) -> str:
    """The error's name and message, known-mistake tags included as the checks wrote them
    (or the first line on stderr)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            evalue = strip_ansi(str(output.get("evalue", ""))).strip()
            return f"{output.get('ename', 'Error')}: {evalue}" if evalue else output.get("ename", "")
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            lines = [ln for ln in _text(output.get("text")).splitlines() if ln.strip()]
            if lines:
                return f"wrote to stderr: {lines[0].strip()}"
    return ""


@dataclass
class PartOutcome:
    """One graded cell of an executed notebook."""

    grade_id: str
    notebook: str
    max_score: float
    score: float | None = None
    message: str = ""
    mistakes: list[MistakeInfo] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.max_score

    def hints(self) -> list[str]:
        """The hints of the recognised mistakes that the message does not already give."""
        out = []
        for mistake in self.mistakes:
            if mistake.hint and mistake.hint not in self.message and mistake.hint not in out:
                out.append(mistake.hint)
        return out


def read_parts(nb: dict, notebook: str) -> dict[str, PartOutcome]:
    """{grade_id: PartOutcome} for each autograded test cell of an executed notebook (scores
    from nbgrader's own ``determine_grade``)."""
    from nbformat import from_dict
    from nbgrader.utils import determine_grade, is_grade, is_solution

    out = {}
    for raw in nb.get("cells", []):
        cell = from_dict(raw)
        if not is_grade(cell) or is_solution(cell) or cell.cell_type != "code":
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        try:
            score, max_score = determine_grade(cell)
        except Exception:  # noqa: BLE001 - malformed output
            score, max_score = None, float(cell.metadata.nbgrader.get("points", 0))
        outcome = PartOutcome(grade_id, notebook, max_score, score)
        if not outcome.passed:
            outcome.message = failure_message(raw)
            outcome.mistakes = [describe(m) for m in mistake_ids(failure_text(raw))]
        out[grade_id] = outcome
    return out
