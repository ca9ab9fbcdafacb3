"""``autograder export``: grades as CSV, one row per student and assignment.

Columns: ``student_id, assignment, score, max_score, late_penalty``, then one column per graded
part (its grade id; ``notebook/grade_id`` where two notebooks of an assignment share an id).
``score`` is what counts: the sum of the parts (manual grades override automatic ones, as in
nbgrader) minus the late penalty. A student with no submission gets a score of 0 and empty parts,
so the file can be uploaded to an LMS as it is.
"""
from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from . import lateness
from .course import Course, CourseError


def rows(course: Course, assignments: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """The CSV header and rows, from the gradebook."""
    from nbgrader.api import MissingEntry

    gb = course.gradebook()
    try:
        known = [a for a in gb.assignments]
        if assignments:
            for name in assignments:
                course.find_assignment(gb, name)  # CourseError for a name not released
            known = [a for a in known if a.name in set(assignments)]
        known.sort(key=lambda a: (a.duedate is None, a.duedate or 0, a.name))
        columns: dict[str, list[tuple[str, str, str]]] = {}
        for a in known:
            ids = Counter(c.name for nb in a.notebooks for c in nb.grade_cells)
            columns[a.name] = [(nb.name, c.name, c.name if ids[c.name] == 1 else f"{nb.name}/{c.name}")
                               for nb in sorted(a.notebooks, key=lambda n: n.name)
                               for c in nb.grade_cells]
        part_columns = []
        for a in known:
            for *_, column in columns[a.name]:
                if column not in part_columns:
                    part_columns.append(column)
        header = ["student_id", "assignment", "score", "max_score", "late_penalty"] + part_columns
        out = []
        for student in sorted(gb.students, key=lambda s: s.id):
            for a in known:
                row = {"student_id": student.id, "assignment": a.name, "score": 0.0,
                       "max_score": a.max_score, "late_penalty": 0.0}
                try:
                    submission = gb.find_submission(a.name, student.id)
                except MissingEntry:
                    out.append(row)
                    continue
                penalty = lateness.of_submission(submission).penalty
                grades = {(nb.name, g.name): g.score for nb in submission.notebooks
                          for g in nb.grades}
                for notebook, grade_id, column in columns[a.name]:
                    row[column] = grades.get((notebook, grade_id), "")
                row["late_penalty"] = penalty
                row["score"] = lateness.final_score(submission.score, penalty)
                out.append(row)
        return header, out
    finally:
        gb.close()


def export_csv(course: Course, output: str = "grades.csv", assignments: list[str] | None = None,
               force: bool = False, out=sys.stdout) -> None:
    """Write the CSV to ``output`` ("-": ``out``). An existing file is never replaced by an
    export with no rows (nothing graded, no students: most often the wrong gradebook) unless
    ``force``; the file is written beside its destination and renamed into place, so it is
    never half written."""
    header, data = rows(course, assignments)

    def write(handle):
        writer = csv.DictWriter(handle, fieldnames=header, restval="")
        writer.writeheader()
        for row in data:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})

    if output == "-":
        write(out)
        return
    target = Path(output)
    if not data and target.exists() and not force:
        raise CourseError(f"{output} exists and this export has no rows (the gradebook of "
                          f"{course.root} has no students or no assignments); not replaced: "
                          "pass --force to replace it")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent.resolve())
    try:
        with os.fdopen(fd, "w", newline="") as handle:
            write(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as open() would have made it
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    students = len({r["student_id"] for r in data})
    print(f"Wrote {output}: {len(data)} row(s), {students} student(s), "
          f"{len(header) - 5} part column(s).", file=out)
