"""``autograder report``: what a class did on an assignment, as one self-contained HTML page.

Three plots (matplotlib, embedded as base64 PNG, so the page is a single file that opens
offline): the distribution of total scores, each part's success rate (the share of submissions
with full points on it), and the known mistakes the class made most often. Tables give the
numbers behind each plot, the hint every mistake gets, the problems found while grading, and one
row per student (score after any late penalty, lateness, the parts that lost points, the
mistakes named). Scores are the same as the export's and the feedback pages' (``lateness``).

A failing test may name several known mistakes when they behave identically on its cases (a
naive sigmoid and one that uses ``np.where`` both overflow): the report counts each student once,
under the first one named, and lists the others as alternatives.
"""
from __future__ import annotations

import base64
import html
import io
import json
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import lateness
from .course import Course, CourseError
from .hints import MistakeInfo, read_parts


@dataclass
class StudentRow:
    student: str
    score: float | None  # after the late penalty; None while not graded
    late: lateness.Lateness = lateness.Lateness(0.0, 0.0)
    lost: list[str] = field(default_factory=list)  # grade ids below full points
    mistakes: list[str] = field(default_factory=list)  # counted mistake ids
    problems: list[str] = field(default_factory=list)  # problem kinds


@dataclass
class ClassData:
    assignment: str
    max_score: float
    totals: dict[str, float] = field(default_factory=dict)  # student -> score
    parts: list[tuple[str, float]] = field(default_factory=list)  # (grade id, max)
    part_scores: dict[str, list[float]] = field(default_factory=dict)  # grade id -> scores
    mistakes: Counter = field(default_factory=Counter)  # mistake id -> students
    mistake_parts: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    mistake_info: dict[str, MistakeInfo] = field(default_factory=dict)
    alternatives: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    problems: list[dict] = field(default_factory=list)
    students: dict[str, StudentRow] = field(default_factory=dict)


def gather(course: Course, assignment: str) -> ClassData:
    """Scores from the gradebook, mistakes from the autograded notebooks, problems from the
    grading ledger."""
    from .ledger import graded, not_graded

    spec = course.assignment_spec(assignment)
    data = ClassData(assignment, spec.max_score)
    data.parts = [(c.name, c.max_score) for nb in spec.notebooks for c in nb.grade_cells]
    gb = course.gradebook()
    try:
        submissions = gb.assignment_submissions(assignment)
        if not submissions:
            raise CourseError(f"no graded submissions of {assignment!r}; run `autograder grade "
                              f"{assignment}` first")
        for sub in submissions:
            student = sub.student.id
            late = lateness.of_submission(sub, lateness.lms_flag(course, student, assignment))
            data.totals[student] = lateness.final_score(sub.score, late.penalty)
            row = data.students[student] = StudentRow(student, data.totals[student], late)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    data.part_scores.setdefault(grade.name, []).append(grade.score)
                    if grade.score < grade.max_score:
                        row.lost.append(grade.name)
            for nb in spec.notebooks:
                path = course.folder("autograded", student, assignment) / f"{nb.name}.ipynb"
                if not path.exists():
                    continue
                try:
                    parts = read_parts(json.loads(path.read_text()), nb.name)
                except ValueError:
                    continue
                for part in parts.values():
                    if not part.mistakes:
                        continue
                    counted, *others = part.mistakes
                    data.mistake_parts[counted.id].add(part.grade_id)
                    data.mistake_info[counted.id] = counted
                    data.alternatives[counted.id].update(m.id for m in others)
                    if counted.id not in row.mistakes:
                        row.mistakes.append(counted.id)
            data.mistakes.update(row.mistakes)
        for student, graded_row in sorted(graded(gb, assignment).items()):
            for item in json.loads(graded_row["problems"]):
                data.problems.append({"student": student, **item})
        for student, pending in sorted(not_graded(gb, assignment).items()):
            data.students.setdefault(student, StudentRow(student, None))
            for item in json.loads(pending["problems"]):
                data.problems.append({"student": student, "not_graded": True, **item})
        for item in data.problems:
            row = data.students.get(item["student"])
            if row is not None and item["kind"] not in row.problems:
                row.problems.append(item["kind"])
    finally:
        gb.close()
    return data


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def plots(data: ClassData) -> dict[str, str]:
    """The three figures as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    images = {}
    fig, ax = plt.subplots(figsize=(7, 3.2))
    scores = list(data.totals.values())
    bins = max(5, min(20, int(data.max_score) + 1))
    ax.hist(scores, bins=bins, range=(0, data.max_score), color="#3b6ea5", edgecolor="white")
    ax.set_xlabel(f"total score (out of {data.max_score:g})")
    ax.set_ylabel("students")
    ax.set_title(f"Score distribution ({len(scores)} submissions)")
    images["scores"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(data.parts) + 1.2))
    names = [name for name, _ in data.parts]
    rates = [_success(data, name, maximum) for name, maximum in data.parts]
    ax.barh(names[::-1], [100 * r for r in rates[::-1]], color="#4c956c")
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions with full points (%)")
    ax.set_title("Success rate of each part")
    images["parts"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 0.45 * max(1, len(data.mistakes)) + 1.2))
    common = data.mistakes.most_common(15)
    if common:
        ax.barh([m for m, _ in common][::-1], [n for _, n in common][::-1], color="#c8553d")
        ax.set_xlabel("students")
    else:
        ax.text(0.5, 0.5, "no known mistakes recognised", ha="center", va="center")
        ax.set_axis_off()
    ax.set_title("Known mistakes, most frequent first")
    images["mistakes"] = _png(fig)
    plt.close(fig)
    return images


def _success(data: ClassData, name: str, maximum: float) -> float:
    scores = data.part_scores.get(name, [])
    return sum(s >= maximum for s in scores) / len(scores) if scores else 0.0


_CSS = """body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.3em .7em;
border-bottom:1px solid #ddd;text-align:left;vertical-align:top}th{background:#f3f3f3}
img{max-width:100%}.num{text-align:right}code{background:#f4f4f4;padding:0 .2em}"""


def render(data: ClassData, images: dict[str, str]) -> str:
    e = html.escape
    scores = list(data.totals.values())
    stats = (f"{len(scores)} submissions; mean {statistics.mean(scores):.2f}, median "
             f"{statistics.median(scores):g}, out of {data.max_score:g}") if scores else "none"
    part_rows = "".join(
        f"<tr><td><code>{e(name)}</code></td><td class=num>{maximum:g}</td>"
        f"<td class=num>{statistics.mean(data.part_scores.get(name, [0.0])):.2f}</td>"
        f"<td class=num>{100 * _success(data, name, maximum):.0f}%</td></tr>"
        for name, maximum in data.parts)
    def alternatives(m):
        others = sorted(data.alternatives.get(m, ()))
        return ("<br><small>or, alike on these cases: "
                + ", ".join(f"<code>{e(o)}</code>" for o in others) + "</small>") if others else ""

    mistake_rows = "".join(
        f"<tr><td><code>{e(m)}</code>{alternatives(m)}</td><td class=num>{n}</td>"
        f"<td>{', '.join(f'<code>{e(p)}</code>' for p in sorted(data.mistake_parts[m]))}</td>"
        f"<td>{e(data.mistake_info[m].description or '')}</td>"
        f"<td>{e(data.mistake_info[m].hint or '')}</td></tr>"
        for m, n in data.mistakes.most_common())
    problem_rows = "".join(
        f"<tr><td>{e(p['student'])}</td><td><code>{e(p['kind'])}</code></td>"
        f"<td>{e(p.get('notebook') or '')}</td><td>{e(p['message'].splitlines()[0])}</td></tr>"
        for p in data.problems)
    kinds = Counter(p["kind"] for p in data.problems)
    late = [r for r in data.students.values() if r.late.late]
    if late:
        stats += (f"; {len(late)} late, with penalties of {sum(r.late.penalty for r in late):g} "
                  "point(s) in all (scores here are after the penalty)")
    pending = [r.student for r in data.students.values() if r.score is None]
    if pending:
        stats += f"; {len(pending)} not graded yet ({', '.join(pending)})"

    def codes(items):
        return ", ".join(f"<code>{e(i)}</code>" for i in items)

    student_rows = "".join(
        f"<tr><td>{e(r.student)}</td>"
        f"<td class=num>{'not graded' if r.score is None else f'{r.score:g}'}</td>"
        f"<td>{e(r.late.describe())}</td>"
        f"<td class=num>{f'{r.late.penalty:g}' if r.late.penalty else ''}</td>"
        f"<td>{codes(r.lost)}</td><td>{codes(r.mistakes)}</td><td>{codes(r.problems)}</td></tr>"
        for r in sorted(data.students.values(), key=lambda r: r.student))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Class report: {e(data.assignment)}</title>
<style>{_CSS}</style></head><body>
<h1>Class report: {e(data.assignment)}</h1>
<p>{e(stats)}.</p>
<h2>Score distribution</h2>
<img alt="histogram of total scores" src="data:image/png;base64,{images['scores']}">
<h2>Parts</h2>
<img alt="success rate of each part" src="data:image/png;base64,{images['parts']}">
<table><tr><th>part</th><th>points</th><th>mean score</th><th>full points</th></tr>{part_rows}</table>
<h2>Known mistakes</h2>
<p>Each count is the number of students whose work showed the mistake in at least one test.</p>
<img alt="known mistakes by frequency" src="data:image/png;base64,{images['mistakes']}">
<table><tr><th>mistake</th><th>students</th><th>parts</th><th>what is wrong</th><th>hint given</th></tr>
{mistake_rows or '<tr><td colspan=5>none recognised</td></tr>'}</table>
<h2>Problems found while grading</h2>
<p>{e(', '.join(f'{k}: {n}' for k, n in kinds.most_common()) or 'none')}</p>
<table><tr><th>student</th><th>kind</th><th>notebook</th><th>details</th></tr>
{problem_rows or '<tr><td colspan=4>none</td></tr>'}</table>
<h2>Students</h2>
<table><tr><th>student</th><th>score</th><th>late by</th><th>late penalty</th>
<th>parts that lost points</th><th>known mistakes</th><th>problems</th></tr>
{student_rows}</table>
</body></html>
"""


def write_report(course: Course, assignment: str, output: str | None = None,
                 out=sys.stdout) -> Path:
    data = gather(course, assignment)
    page = render(data, plots(data))
    path = Path(output) if output else course.root / "reports" / f"{assignment}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    top = ", ".join(f"{m} ({n})" for m, n in data.mistakes.most_common(3)) or "none"
    print(f"Wrote {path} ({len(data.totals)} submissions; most frequent known mistakes: {top}).",
          file=out)
    return path
