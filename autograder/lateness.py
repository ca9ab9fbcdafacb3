"""How late a graded submission was, and what that cost: one reading for every place that shows
a score (``grade``'s summary, feedback pages, the class report, the export).

nbgrader stores the lateness on the submission (``total_seconds_late``, from its timestamp and
the assignment's due date) and the penalty on each notebook (``late_submission_penalty``, set by
the course's ``LateSubmissionPlugin`` when the submission is recorded: see
``ledger.LatePenalties``). The score a student gets is the parts' points minus the penalty, never
below 0; every command shows that same number.

An LMS export may say itself which submissions were late (Canvas's ``_late_`` in file names):
``collect`` keeps that word in ``lms_late.txt`` beside the submission's ``timestamp.txt``.
nbgrader's due date and penalty still decide the score (zip times are not submission times, so
the two can disagree, and the summary and report show both); with no due date set, the LMS's
flag is the only lateness there is, and it is shown, with no penalty.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The file, beside ``timestamp.txt``, that holds the name of the LMS that marked a submission late.
LMS_LATE_FILE = "lms_late.txt"


@dataclass(frozen=True)
class Lateness:
    seconds: float  # after the due date; 0 for work on time (or with no due date)
    penalty: float  # points taken off, summed over the notebooks
    lms: str | None = None  # the LMS that marked the submission late, if its export says so

    @property
    def late(self) -> bool:
        return self.seconds > 0 or self.lms is not None

    def describe(self) -> str:
        """"2 h 5 min", "2 h 5 min (Canvas: late)", "Canvas: late"; "" for work on time."""
        words = [duration(self.seconds)] if self.seconds > 0 else []
        if self.lms:
            words.append(f"({self.lms}: late)" if words else f"{self.lms}: late")
        return " ".join(words)


def lms_late_path(course, student: str, assignment: str) -> Path:
    return course.folder("submitted", student, assignment) / LMS_LATE_FILE


def lms_flag(course, student: str, assignment: str) -> str | None:
    """The LMS that marked this submission late (collect's ``lms_late.txt``), or None."""
    path = lms_late_path(course, student, assignment)
    return (path.read_text().strip() or "the LMS") if path.is_file() else None


def of_submission(submission, lms: str | None = None) -> Lateness:
    """The lateness of an nbgrader ``SubmittedAssignment`` (``lms``: see :func:`lms_flag`)."""
    penalty = sum(nb.late_submission_penalty or 0.0 for nb in submission.notebooks)
    return Lateness(float(submission.total_seconds_late or 0.0), float(penalty), lms)


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
    if lateness.seconds <= 0:
        return f"{lateness.lms} marked this submission late (no late penalty here)."
    when = f"Submitted {duration(lateness.seconds)} after the deadline"
    if not lateness.penalty:
        return f"{when} (no late penalty)."
    return (f"{when}: the parts earned {parts_total:g}, minus a late penalty of "
            f"{lateness.penalty:g}, gives {final_score(parts_total, lateness.penalty):g}.")
