"""``autograder feedback``: nbgrader's HTML feedback, headed by a summary with hints.

nbgrader's ``generate_feedback`` writes ``feedback/<student>/<assignment>/<notebook>.html`` from
the autograded notebooks and the gradebook (so manual grades and comments are included, and
``nbgrader release_feedback`` still works). Each page then gets a summary at the top: every part
with its score, and for each part that lost points, the failure message and the hint for any known
mistake the checks recognised. The score it shows is the one the export and the report use: the
parts' points minus any late penalty, with the lateness said in words.

Every student who submitted gets a page for every notebook of the assignment: when a notebook
could not be graded (not a readable notebook, submitted under another name, missing, or not
graded yet because the grader failed), the page says what happened and what to do. The math on
every page is typeset ahead of time (:mod:`autograder.mathjax`), so pages need no network.
"""
from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

from . import lateness, mathjax
from .course import Course, CourseError, only_requested
from .hints import read_parts
from .spec import NOT_GRADED_KINDS, PROBLEM_KINDS

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
.ag-late{margin:.2em 0 .8em;color:#7a4a00}
</style>
"""


def heading(assignment: str, notebook: str) -> str:
    """The assignment, and the notebook only when its name adds something."""
    return assignment if notebook == assignment else f"{assignment} · {notebook}"


def summary_html(student: str, assignment: str, notebook: str, parts: list, total: float,
                 maximum: float, late: str = "") -> str:
    """The summary block for one notebook. ``parts`` is a list of ``hints.PartOutcome`` whose
    ``score`` is the gradebook's (manual grades included); ``total`` is the notebook's final
    score (late penalty included) and ``late`` the sentence that explains a penalty."""
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
    late_html = f'<p class="ag-late">{html.escape(late)}</p>' if late else ""
    return (f'{_STYLE}<div class="ag-summary"><h2>{html.escape(heading(assignment, notebook))} · '
            f"{html.escape(student)}: {total:g} / {maximum:g}</h2>{late_html}"
            "<table><tr><th>part</th><th>score</th><th>result</th></tr>"
            + "".join(rows) + "</table></div>")


def generate_feedback(course: Course, assignment: str, students: list[str] | None = None,
                      workers: int | None = None, out=sys.stdout) -> list[Path]:
    """Write the feedback pages of ``assignment`` (every student who submitted, or ``students``),
    with ``workers`` processes (default: one per core from ``PARALLEL_FROM`` students on, else
    one). Returns every page written: nbgrader's, headed by a summary, and the explanation pages
    of notebooks that could not be graded."""
    from nbgrader.apps.api import NbGraderAPI

    from .ledger import graded as graded_rows, not_graded as not_graded_rows

    spec = course.assignment_spec(assignment)
    submitted = only_requested(
        course.submitted_students(assignment), students,
        lambda names: f"no submission of {assignment!r} from {names}")
    if not submitted:
        raise CourseError(f"nothing submitted yet for {assignment!r}: run `autograder collect` "
                          "first")
    gb = course.gradebook()
    try:
        graded_problems = {s: json.loads(r["problems"]) for s, r in
                           graded_rows(gb, assignment).items()}
        pending = {s: json.loads(r["problems"]) for s, r in
                   not_graded_rows(gb, assignment).items()}
    finally:
        gb.close()
    ungraded = [s for s in submitted if s not in graded_problems and s not in pending]
    if len(ungraded) == len(submitted):
        raise CourseError(f"nothing graded yet for {assignment!r}: run `autograder grade "
                          f"{assignment}` first")
    # nbgrader renders a page from each executed notebook; the others get an explanation.
    rendered = [s for s in submitted if s in graded_problems
                and any(course.folder("autograded", s, assignment).glob("*.ipynb"))]
    api = NbGraderAPI(coursedir=course.coursedir, config=course.config)
    if workers is None:  # a process costs seconds to start: worth it for a large class only
        workers = (os.cpu_count() or 1) if len(rendered) >= PARALLEL_FROM else 1
    workers = max(1, min(int(workers), len(rendered) or 1))
    if workers == 1:
        for student in rendered:
            _check(api.generate_feedback(assignment, student_id=student, force=True), assignment)
    else:  # nbgrader renders one page at a time: share the students among processes
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        chunks = [rendered[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for error in pool.map(_render, [str(course.root)] * workers, [assignment] * workers,
                                  chunks):
                if error:
                    raise CourseError(error)

    summarised = _add_summaries(course, assignment, rendered)
    explained = []
    for student in submitted:
        if student in ungraded:
            continue
        for nb in spec.notebooks:
            page = course.folder("feedback", student, assignment) / f"{nb.name}.html"
            if page in summarised:
                continue
            problems = [p for p in pending.get(student, graded_problems.get(student, []))
                        if p.get("notebook") in (nb.name, f"{nb.name}.ipynb", None)]
            _write_page(page, explanation_page(student, assignment, nb.name, nb.max_score, problems,
                                               not_graded=student in pending))
            explained.append((student, page, problems))
    written = summarised + [page for _, page, _ in explained]
    note = ""
    try:
        formulas = mathjax.typeset_pages(summarised)
        note = f"; {formulas} formula(s) typeset"
    except mathjax.MathUnavailable as error:
        note = f"; math left as TeX source ({error}: `make deps` installs both)"
    print(f"Wrote feedback for {len(submitted) - len(ungraded)} student(s) of {assignment}: "
          f"{len(written)} page(s) in {course.coursedir.feedback_directory}/STUDENT/{assignment}/"
          f"{note}.", file=out)
    if explained:
        print(f"{len(explained)} page(s) explain a notebook that could not be graded:", file=out)
        for student, page, problems in explained:
            kinds = ", ".join(sorted({p["kind"] for p in problems})) or "missing-notebook"
            print(f"  {student:<12} {page.name:<24} {kinds}", file=out)
    if ungraded:
        print(f"No page for {len(ungraded)} submission(s) not graded yet (run `autograder grade "
              f"{assignment}`): {', '.join(ungraded)}", file=out)
    return written


def _add_summaries(course: Course, assignment: str, students: list[str]) -> list[Path]:
    """Head each of nbgrader's pages for ``students`` with the summary; the pages done."""
    done = []
    gb = course.gradebook()
    try:
        for student in students:
            submission = gb.find_submission(assignment, student)
            submission_late = lateness.of_submission(
                submission, lateness.lms_flag(course, student, assignment))
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
                parts_total = sum(g.score for g in sub.grades)
                late = lateness.Lateness(submission_late.seconds,
                                         sub.late_submission_penalty or 0.0, submission_late.lms)
                total = lateness.final_score(parts_total, late.penalty)
                block = summary_html(student, assignment, notebook, list(parts.values()), total,
                                     sub.max_score, lateness.sentence(late, parts_total))
                _insert_summary(page, block, student, assignment, notebook, total, sub.max_score)
                done.append(page)
    finally:
        gb.close()
    return done


#: What a student can do about each kind of problem that leaves a notebook ungraded.
_WHAT_TO_DO = {
    "invalid-notebook": "Open the file in Jupyter: if it does not open, it was damaged (often by "
                        "editing it in a text editor, or by an interrupted upload). Download your "
                        "last working copy, check that it opens, and ask your instructor whether "
                        "you may submit it again.",
    "missing-notebook": "Submit the notebook under its original name ({notebook}.ipynb): a "
                        "renamed copy (for example \"{notebook} (1).ipynb\") is not graded. Ask "
                        "your instructor whether you may submit it again.",
}
_NOT_GRADED_YET = ("This is a problem on the grading side, not in your work: your submission "
                   "will be graded again. You do not need to do anything.")


def explanation_page(student: str, assignment: str, notebook: str, maximum: float,
                     problems: list[dict], not_graded: bool = False) -> str:
    """A whole page, for a notebook with no graded version, that says why and what to do."""
    e = html.escape
    if not problems:
        problems = [{"kind": "missing-notebook",
                     "message": f"{notebook}.ipynb was not in the submission"}]
    items = []
    for item in problems:
        kind = item.get("kind", "")
        if not_graded or kind in NOT_GRADED_KINDS:
            advice = _NOT_GRADED_YET
        else:
            advice = _WHAT_TO_DO.get(kind, "Ask your instructor about this problem.")
        what = PROBLEM_KINDS.get(kind, kind)
        items.append(f"<li><p><b>{e(what[:1].upper() + what[1:])}.</b></p>"
                     f'<pre class="ag-message">{e(item.get("message", ""))}</pre>'
                     f"<p>{e(advice.format(notebook=notebook))}</p></li>")
    status = "not graded yet" if not_graded else f"0 / {maximum:g} (could not be graded)"
    title = f"{heading(assignment, notebook)} · {student}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>Feedback: {e(title)}</title>{_STYLE}</head><body>"
            f'<div class="ag-summary"><h2>{e(title)}: {e(status)}</h2>'
            f"<p>Your notebook <code>{e(notebook)}.ipynb</code> was not graded, for this "
            f"reason:</p><ul>{''.join(items)}</ul></div></body></html>\n")


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


def _write_page(page: Path, text: str) -> None:
    page.parent.mkdir(parents=True, exist_ok=True)
    if page.exists():
        page.chmod(0o644)
    page.write_text(text, encoding="utf-8")


_NBGRADER_SCORE = re.compile(r"(<h4>[^<]*\(Score: )[0-9.]+( / [0-9.]+\)</h4>)")


def _insert_summary(page: Path, block: str, student: str, assignment: str, notebook: str,
                    total: float, maximum: float) -> None:
    """Put ``block`` first in nbgrader's ``page``; give the page a title that names the student
    and nbgrader's own heading the same final score (nbgrader's leaves out the late penalty)."""
    text = page.read_text(encoding="utf-8")
    if 'class="ag-summary"' in text:
        return
    text = re.sub(r"<title>.*?</title>",
                  f"<title>Feedback: {html.escape(heading(assignment, notebook))} · "
                  f"{html.escape(student)}</title>", text, count=1, flags=re.DOTALL)
    text = _NBGRADER_SCORE.sub(lambda m: f"{m[1]}{total:g}{m[2]}", text, count=1)
    start = text.find("<body")
    end = text.find(">", start) + 1 if start >= 0 else 0
    _write_page(page, text[:end] + block + text[end:])
