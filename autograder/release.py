"""``autograder release``: make the student version of an assignment with nbgrader."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

from .course import Course, CourseError


def release(course: Course, assignment: str, zip_path: str | None = None, out=sys.stdout) -> Path:
    """Run nbgrader's ``generate_assignment`` for ``assignment`` (creating it in the gradebook if
    needed, replacing an earlier release) and return the release folder."""
    from nbgrader.apps.api import NbGraderAPI

    source = course.folder("source", ".", assignment)
    if not course.source_notebooks(assignment):
        raise CourseError(f"no notebooks in {source}; put the instructor's version of "
                          f"{assignment!r} there first")
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise CourseError(f"nbgrader could not release {assignment!r}:\n"
                          f"{result.get('error') or result.get('log')}")
    released = course.folder("release", ".", assignment)
    spec = course.assignment_spec(assignment)
    files = sorted(p for p in released.rglob("*") if p.is_file())
    print(f"Released {assignment} to {released.relative_to(course.root)}/:", file=out)
    for path in files:
        print(f"  {path.relative_to(released)}", file=out)
    for nb in spec.notebooks:
        parts = ", ".join(f"{c.name} ({c.max_score:g})" for c in nb.grade_cells)
        print(f"{nb.name}.ipynb: {len(nb.grade_cells)} graded part(s), {nb.max_score:g} points: "
              f"{parts}", file=out)
    if zip_path:
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, Path(assignment) / path.relative_to(released))
        print(f"Wrote {zip_path} ({len(files)} file(s)) for your LMS.", file=out)
    return released
