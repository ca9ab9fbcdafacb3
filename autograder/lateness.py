"""How late a graded submission was, and what that cost: one reading for every place that shows
a score (``grade``'s summary, feedback pages, the class report, the export).

nbgrader stores the lateness on the submission (``total_seconds_late``, from its timestamp and
the assignment's due date) and the penalty on each notebook (``late_submission_penalty``, set by
the course's ``LateSubmissionPlugin`` when the submission is recorded: see
``ledger.LatePenalties``). The score a student gets is the parts' points minus the penalty, never
below 0; every command shows that same number.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lateness:
    seconds: float  # after the due date; 0 for work on time (or with no due date)
    penalty: float  # points taken off, summed over the notebooks

    @property
    def late(self) -> bool:
        return self.seconds > 0


def of_submission(submission) -> Lateness:
    """The lateness of an nbgrader ``SubmittedAssignment``."""
    penalty = sum(nb.late_submission_penalty or 0.0 for nb in submission.notebooks)
    return Lateness(float(submission.total_seconds_late or 0.0), float(penalty))


def final_score(parts_total: float, penalty: float) -> float:
    """The score after the late penalty: ``max(0, parts_total - penalty)``."""
    return max(0.0, parts_total - penalty)


def duration(seconds: float) -> str:
    """``seconds`` in words read at a glance: "2 d 3 h", "2 h 5 min", "40 s"."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(round(seconds / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    words = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours)
    if not days:
        words += [f"{minutes} min"] * bool(minutes)
    return " ".join(words) or "1 min"


def sentence(lateness: Lateness, parts_total: float) -> str:
    """What lateness did to the score, in a sentence for the student; "" for work on time."""
    if not lateness.late:
        return ""
    when = f"Submitted {duration(lateness.seconds)} after the deadline"
    if not lateness.penalty:
        return f"{when} (no late penalty)."
    return (f"{when}: the parts earned {parts_total:g}, minus a late penalty of "
            f"{lateness.penalty:g}, gives {final_score(parts_total, lateness.penalty):g}.")
