"""A practice class, for trying the autograder on a real assignment before a term starts.

From an assignment's source notebooks (the instructor's version) and its release, it makes the
submissions a class would hand in, each a copy of the released notebooks changed as a learner
would change them:

================  ============================================================================
kind              what the submission is
================  ============================================================================
correct           every solution cell answered with the instructor's solution
blank             the release, unchanged
mistake           the correct one with one answer cell replaced by a known mistake of the bank
                  (``autograder.mistakes.for_assignment``), one submission per mistake
invalid_json      the correct one, cut off half-way: not valid JSON
duplicate_test    the correct one with a test cell pasted twice (a duplicated grade id)
edited_test       an answer left blank and the test cell after it emptied, so that it "passes"
endless_loop      the correct one with a loop that never ends at the end of the last answer cell
================  ============================================================================

The last four are broken: ``autograder grade`` grades them as far as it can and lists why.
Nothing here names an assignment; it needs only the course folder and the assignment's name::

    autograder release activations
    autograder practice activations --students 12 --output canvas-export.zip
    autograder collect canvas-export.zip --assignment activations

or from Python, ``practice_class(course, "activations", students=12)`` and
``write_canvas_zip(students, "canvas-export.zip")``.
"""
from __future__ import annotations

import copy
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"

#: Broken kinds, in the order a practice class gets them.
BROKEN = {
    "invalid_json": "the file is cut off half-way: not valid JSON",
    "duplicate_test": "a test cell pasted twice (its grade id appears twice)",
    "edited_test": "an answer left blank, and the test cell after it emptied",
    "endless_loop": "the last answer cell never finishes",
}

#: Surnames for the practice class (Canvas writes lastfirst; any letters and digits will do).
NAMES = ("adams", "baker", "chen", "diaz", "evans", "fox", "garcia", "hill", "ito", "jones",
         "khan", "lopez", "moreau", "nguyen", "okafor", "patel", "quinn", "rossi", "silva",
         "tanaka", "usman", "vega", "wang", "xu", "young", "zhou")


@dataclass(frozen=True)
class Submission:
    """One learner's hand-in: the contents of each of its notebooks, by file name."""

    kind: str                     # "correct", "blank", "mistake", or a key of BROKEN
    description: str              # what is in it, for the instructor
    notebooks: dict[str, bytes]   # file name ("activations.ipynb") -> the file's bytes
    mistake: str | None = None    # the mistake's id, for kind "mistake"
    part: str | None = None       # and the part it is a mistake in

    @property
    def broken(self) -> bool:
        return self.kind in BROKEN


# --- cells ----------------------------------------------------------------------------------------

def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader") or {}


def _grade_id(cell: dict) -> str | None:
    return _nbgrader(cell).get("grade_id")


def solution_region(source: str) -> str:
    """The lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (markers excluded)."""
    inside, kept = False, []
    for line in _text(source).splitlines():
        if BEGIN_SOLUTION in line:
            inside = True
        elif END_SOLUTION in line:
            inside = False
        elif inside:
            kept.append(line)
    return "\n".join(kept)


def without_markers(source: str) -> str:
    """A source cell with its solution marker lines dropped: the released cell with the code
    between the markers in place of the stub, as a learner who got it right hands it in."""
    return "\n".join(line for line in _text(source).splitlines()
                     if BEGIN_SOLUTION not in line and END_SOLUTION not in line)


def solution_answers(source_nb: dict) -> dict[str, str]:
    """Grade id -> the instructor's answer, for every solution cell of a source notebook
    (a code cell minus its markers; a written answer's text between the markers)."""
    answers = {}
    for cell in source_nb["cells"]:
        if _nbgrader(cell).get("solution"):
            answer = (without_markers(cell["source"]) if cell["cell_type"] == "code"
                      else solution_region(cell["source"]))
            answers[_grade_id(cell)] = answer
    return answers


def answered(release_nb: dict, answers: dict[str, str]) -> dict:
    """A copy of a released notebook with the cells of the given grade ids replaced."""
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        if _grade_id(cell) in answers:
            cell["source"] = answers[_grade_id(cell)]
    return nb


def _test_cells(nb: dict) -> list[int]:
    """Where a notebook's test cells are (graded, not solution cells), in order."""
    return [i for i, cell in enumerate(nb["cells"])
            if _nbgrader(cell).get("grade") and not _nbgrader(cell).get("solution")]


# --- the submissions ------------------------------------------------------------------------------

class PracticeAssignment:
    """The released and source notebooks of one assignment of a course, and its submissions.

    The assignment must have been released (``autograder release NAME``), so that every
    submission is made from the very notebooks the gradebook knows.
    """

    def __init__(self, course: str | Path | None, assignment: str):
        from .course import Course

        self.course = Course(course)
        self.assignment = assignment
        source_dir = self.course.folder("source", ".", assignment)
        release_dir = self.course.folder("release", ".", assignment)
        names = sorted(p.name for p in source_dir.glob("*.ipynb"))
        if not names:
            raise FileNotFoundError(f"no notebooks in {source_dir}: is {assignment!r} an "
                                    f"assignment of the course in {self.course.root}?")
        missing = [n for n in names if not (release_dir / n).is_file()]
        if missing:
            raise FileNotFoundError(f"{release_dir / missing[0]} does not exist: release the "
                                    f"assignment first (autograder release {assignment})")
        self.sources = {n: json.loads((source_dir / n).read_text()) for n in names}
        self.releases = {n: json.loads((release_dir / n).read_text()) for n in names}

    def _files(self, notebooks: dict[str, dict]) -> dict[str, bytes]:
        return {name: json.dumps(nb, indent=1).encode() for name, nb in notebooks.items()}

    def correct_notebooks(self) -> dict[str, dict]:
        return {name: answered(self.releases[name], solution_answers(self.sources[name]))
                for name in self.releases}

    def correct(self) -> Submission:
        return Submission("correct", "every part answered with the instructor's solution",
                          self._files(self.correct_notebooks()))

    def blank(self) -> Submission:
        return Submission("blank", "the release, unanswered", self._files(self.releases))

    def with_mistake(self, mistake) -> Submission:
        """The correct submission with ``mistake.source`` in the answer cell of its part."""
        from .checks import answer_id

        cell = answer_id(mistake.part)
        notebooks = self.correct_notebooks()
        holding = [n for n, nb in notebooks.items() if cell in map(_grade_id, nb["cells"])]
        if not holding:
            raise ValueError(f"mistake {mistake.id!r}: no answer cell {cell!r} in "
                             f"{sorted(notebooks)}")
        notebooks[holding[0]] = answered(notebooks[holding[0]], {cell: mistake.source})
        return Submission("mistake", f"{mistake.part}: {mistake.description}",
                          self._files(notebooks), mistake=mistake.id, part=mistake.part)

    def mistakes(self) -> list[Submission]:
        """One submission per known mistake of the assignment, in the bank's order."""
        from . import mistakes

        return [self.with_mistake(m) for m in mistakes.for_assignment(self.assignment)]

    def broken(self, kind: str) -> Submission:
        """A submission of one of the BROKEN kinds (made in the assignment's first notebook)."""
        notebooks = self.correct_notebooks()
        name = next(iter(notebooks))
        nb = notebooks[name]
        tests = _test_cells(nb)
        answers = [i for i, cell in enumerate(nb["cells"]) if _nbgrader(cell).get("solution")
                   and cell["cell_type"] == "code"]
        if kind == "invalid_json":
            text = json.dumps(nb, indent=1)
            return Submission(kind, BROKEN[kind], {**self._files(notebooks),
                                                   name: text[: len(text) // 2].encode()})
        if not tests or not answers:
            raise ValueError(f"{name} has no test cell or no answer cell to make {kind!r} with")
        if kind == "duplicate_test":
            nb["cells"].insert(tests[-1] + 1, copy.deepcopy(nb["cells"][tests[-1]]))
        elif kind == "edited_test":
            answer = answers[0]
            nb["cells"][answer]["source"] = self.releases[name]["cells"][answer]["source"]
            test = next(i for i in tests if i > answer)
            nb["cells"][test]["source"] = "# tests removed\n"
        elif kind == "endless_loop":
            cell = nb["cells"][answers[-1]]
            cell["source"] = _text(cell["source"]) + "\n\nwhile True:\n    pass\n"
        else:
            raise ValueError(f"unknown broken kind {kind!r}; expected one of {sorted(BROKEN)}")
        return Submission(kind, BROKEN[kind], self._files(notebooks))

    def every_kind(self) -> list[Submission]:
        """Correct, blank, one per known mistake, then each broken kind."""
        return ([self.correct(), self.blank()] + self.mistakes()
                + [self.broken(kind) for kind in BROKEN])


def practice_class(course: str | Path | None, assignment: str, students: int = 12,
                   seed: int = 0) -> dict[str, Submission]:
    """A class of ``students``: student id -> submission.

    It has one correct, one blank and one of each broken submission, and as many known
    mistakes as fit (spread over the parts); past every kind, more correct ones and mistakes
    at random. Students get surnames (``adams``, ``baker``, ...) in a shuffled order.
    """
    practice = PracticeAssignment(course, assignment)
    rng = random.Random(seed)
    mistakes = _spread_over_parts(practice.mistakes())
    chosen = ([practice.correct(), practice.blank()]
              + [practice.broken(kind) for kind in BROKEN] + mistakes)[:students]
    while len(chosen) < students:
        chosen.append(rng.choice([practice.correct()] + mistakes))
    rng.shuffle(chosen)
    return dict(zip(_names(students), chosen))


def _spread_over_parts(mistakes: list[Submission]) -> list[Submission]:
    """The mistakes reordered so that consecutive ones are of different parts where possible."""
    by_part: dict[str, list[Submission]] = {}
    for submission in mistakes:
        by_part.setdefault(submission.part, []).append(submission)
    rounds = max((len(found) for found in by_part.values()), default=0)
    return [found[i] for i in range(rounds) for found in by_part.values() if i < len(found)]


def _names(count: int) -> list[str]:
    return [NAMES[i % len(NAMES)] + (str(i // len(NAMES) + 1) if i >= len(NAMES) else "")
            for i in range(count)]


def write_canvas_zip(students: dict[str, Submission], path: str | Path) -> Path:
    """Write a class as Canvas exports it: one flat zip, ``name_USERID_SUBMISSIONID_FILE``."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (student, submission) in enumerate(students.items()):
            for file_name, data in submission.notebooks.items():
                archive.writestr(f"{student}_{1000 + number}_{5000 + number}_{file_name}", data)
    return path
