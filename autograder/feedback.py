"""``autograder feedback``: nbgrader's HTML feedback, headed by a summary with hints.

nbgrader's ``generate_feedback`` writes ``feedback/<student>/<assignment>/<notebook>.html`` from
the autograded notebooks and the gradebook (so manual grades and comments are included, and
``nbgrader release_feedback`` still works). Each page then gets a summary at the top: every part
with its score, and for each part that lost points, the failure message and the hint for any known
mistake the checks recognised.
"""
from __future__ import annotations

import html
import json
import os
import sys
from pathlib import Path

from .course import Course, CourseError, only_requested
from .hints import read_parts

#: Classes at least this large get their pages rendered by one process per core by default.
PARALLEL_FROM = 50

_STYLE = """
<style>
.ag-summary{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;padding:1em 1.5em;
 border:1px solid #ccc;border-radius:8px;background:#fafafa}
.ag-summary h2{margin-top:0}.ag-summary table{border-collapse:collapse;width:100%}
.ag-summary td,.ag-summary th{text-align:left;padding:.3em .6em;border-bottom:1px solid #e4e4e4;
 vertical-align:top}.ag-ok{color:#17652b;font-weight:600}.ag-bad{color:#a4161a;font-weight:600}
.ag-message{white-space:pre-wrap;font-size:.9em;margin:.3em 0}
.ag-hint{margin:.3em 0 0;padding:.3em .6em;background:#fff7d6;border-left:4px solid #e0a800}
</style>
"""


def summary_html(student: str, assignment: str, notebook: str, parts: list, total: float,
                 maximum: float) -> str:
    """The summary block for one notebook. ``parts`` is a list of ``hints.PartOutcome`` whose
    ``score`` is the gradebook's (manual grades included)."""
    rows = []
    for part in parts:
        ok = part.passed
        status = '<span class="ag-ok">passed</span>' if ok else '<span class="ag-bad">lost points</span>'
        detail = ""
        if not ok:
            if part.message:
                detail += f'<pre class="ag-message">{html.escape(part.message)}</pre>'
            for hint in part.hints():
                detail += f'<div class="ag-hint"><b>Hint:</b> {html.escape(hint)}</div>'
        score = "—" if part.score is None else f"{part.score:g}"
        rows.append(f"<tr><td><code>{html.escape(part.grade_id)}</code></td>"
                    f"<td>{score} / {part.max_score:g}</td><td>{status}{detail}</td></tr>")
    return (f'{_STYLE}<div class="ag-summary"><h2>{html.escape(assignment)} · '
            f"{html.escape(notebook)} · {html.escape(student)}: {total:g} / {maximum:g}</h2>"
            "<table><tr><th>part</th><th>score</th><th>result</th></tr>"
            + "".join(rows) + "</table></div>")


def generate_feedback(course: Course, assignment: str, students: list[str] | None = None,
                      workers: int | None = None, out=sys.stdout) -> list[Path]:
    """Write the feedback pages of ``assignment`` (every graded student, or ``students``), with
    ``workers`` processes (default: one per core from ``PARALLEL_FROM`` students on, else one)."""
    from nbgrader.apps.api import NbGraderAPI

    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    # A submission that could not be read (invalid JSON) is graded 0 with no notebook to show:
    # it has no feedback page, and is listed in the problems instead.
    graded = [s for s in course.submitted_students(assignment)
              if any(course.folder("autograded", s, assignment).glob("*.ipynb"))]
    graded = only_requested(graded, students,
                            lambda names: f"no graded submission of {assignment!r} from {names}; "
                                          f"run `autograder grade {assignment}` first")
    if not graded:
        raise CourseError(f"nothing graded yet for {assignment!r}: run `autograder grade "
                          f"{assignment}` first")
    if workers is None:  # a process costs seconds to start: worth it for a large class only
        workers = (os.cpu_count() or 1) if len(graded) >= PARALLEL_FROM else 1
    workers = max(1, min(int(workers), len(graded)))
    if workers == 1:
        for student in graded:
            _check(api.generate_feedback(assignment, student_id=student, force=True), assignment)
    else:  # nbgrader renders one page at a time: share the students among processes
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        chunks = [graded[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for error in pool.map(_render, [str(course.root)] * workers, [assignment] * workers,
                                  chunks):
                if error:
                    raise CourseError(error)

    written = []
    gb = course.gradebook()
    try:
        for student in graded:
            for page in sorted(course.folder("feedback", student, assignment).glob("*.html")):
                notebook = page.stem
                autograded = course.folder("autograded", student, assignment) / f"{notebook}.ipynb"
                if not autograded.exists():
                    continue
                parts = read_parts(json.loads(autograded.read_text()), notebook)
                try:
                    sub = gb.find_submission_notebook(notebook, assignment, student)
                except Exception:  # noqa: BLE001 - not in the gradebook: leave nbgrader's page
                    continue
                for grade in sub.grades:
                    if grade.name in parts:
                        parts[grade.name].score = grade.score
                total = sum(g.score for g in sub.grades)
                block = summary_html(student, assignment, notebook, list(parts.values()), total,
                                     sub.max_score)
                _insert_after_body(page, block)
                written.append(page)
    finally:
        gb.close()
    print(f"Wrote feedback for {len(graded)} student(s) of {assignment}: "
          f"{len(written)} page(s) in {course.coursedir.feedback_directory}/STUDENT/{assignment}/",
          file=out)
    return written


def _render(root: str, assignment: str, students: list[str]) -> str | None:
    """In a worker process: nbgrader's feedback pages for ``students``; the error, if any."""
    from nbgrader.apps.api import NbGraderAPI

    course = Course(root)
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    for student in students:
        try:
            _check(api.generate_feedback(assignment, student_id=student, force=True), assignment)
        except CourseError as error:
            return str(error)
    return None


def _check(result: dict, assignment: str) -> None:
    if not result.get("success"):
        raise CourseError(f"nbgrader could not generate feedback for {assignment!r}:\n"
                          f"{result.get('error') or result.get('log')}")


def _insert_after_body(page: Path, block: str) -> None:
    text = page.read_text(encoding="utf-8")
    if 'class="ag-summary"' in text:
        return
    start = text.find("<body")
    end = text.find(">", start) + 1 if start >= 0 else 0
    page.chmod(0o644)
    page.write_text(text[:end] + block + text[end:], encoding="utf-8")
