"""Every student who submitted gets a feedback page that works offline, and late work shows one
score everywhere (issue 16, items 4 and 5)."""
from __future__ import annotations

import csv
import datetime
import sqlite3

import pytest
from agtools import NOTEBOOK_TIMEOUT, copy_course, run_cli

from autograder import lateness, mathjax

pytestmark = pytest.mark.slow

KINDS = ("correct", "mse_sum", "invalid_json", "missing_notebook")


@pytest.fixture(scope="module")
def feedback(autograded, roster):
    """Feedback for one student of each kind in ``KINDS``: (root, {kind: student}, stdout)."""
    root, _ = autograded
    chosen = {kind: next(s for s, v in sorted(roster.items()) if v == kind) for kind in KINDS}
    done = run_cli("feedback", "ps1", *[f"--student={s}" for s in chosen.values()], cwd=root)
    return root, chosen, done.stdout


def test_every_student_who_submitted_gets_a_page(feedback):
    root, chosen, stdout = feedback
    for student in chosen.values():
        assert (root / "feedback" / student / "ps1" / "ps1.html").is_file(), student
    assert "2 page(s) explain a notebook that could not be graded" in stdout
    assert f"{chosen['invalid_json']}" in stdout and "invalid-notebook" in stdout
    assert "missing-notebook" in stdout


def test_a_notebook_that_could_not_be_graded_gets_a_page_saying_why_and_what_to_do(feedback):
    root, chosen, _ = feedback
    broken = (root / "feedback" / chosen["invalid_json"] / "ps1" / "ps1.html").read_text()
    assert "0 / 5 (could not be graded)" in broken
    assert "not a readable notebook" in broken and "not valid JSON" in broken
    assert "Open the file in Jupyter" in broken
    missing = (root / "feedback" / chosen["missing_notebook"] / "ps1" / "ps1.html").read_text()
    assert "was not submitted" in missing and "original name (ps1.ipynb)" in missing


def test_feedback_math_is_typeset_ahead_of_time_and_nothing_loads_from_a_cdn(feedback):
    root, chosen, stdout = feedback
    page = (root / "feedback" / chosen["mse_sum"] / "ps1" / "ps1.html").read_text()
    assert "formula(s) typeset" in stdout
    assert "cdnjs" not in page and "<script src" not in page.replace(" ", "")
    assert page.count("<mjx-container") >= 3  # sigma(x), x and the MSE display
    assert "$\\sigma(x)" not in page  # no raw TeX left
    assert "<title>Feedback: ps1 · " in page and "ps1 · ps1" not in page


def test_a_feedback_page_shows_its_math_in_chromium_with_no_request_to_the_network(
        feedback, static_server, open_page_on):
    root, chosen, _ = feedback
    server = static_server(root / "feedback")
    visit = open_page_on(server, f"{chosen['mse_sum']}/ps1/ps1.html")
    assert visit.problems() == []
    assert all(url.startswith(server.origin) for url in visit.requests), visit.requests
    sizes = visit.page.evaluate(
        "() => [...document.querySelectorAll('mjx-container svg')]"
        ".map(svg => svg.getBoundingClientRect().width)")
    assert len(sizes) >= 3 and min(sizes) > 0, sizes


def test_typesetting_without_node_keeps_tex_and_still_drops_the_cdn_loader(tmp_path, monkeypatch):
    page = tmp_path / "page.html"
    page.write_text('<html><head><script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/'
                    '2.7.7/latest.js?config=TeX"> </script><script type="text/x-mathjax-config">'
                    "MathJax.Hub.Config({});</script></head><body><p>$x^2$</p></body></html>")
    monkeypatch.setenv("PATH", str(tmp_path))  # no node here
    with pytest.raises(mathjax.MathUnavailable, match="Node.js"):
        mathjax.typeset_pages([page])
    text = page.read_text()
    assert "cdnjs" not in text and "x-mathjax-config" not in text and "$x^2$" in text


@pytest.mark.parametrize("seconds, words", [(40, "40 s"), (125 * 60, "2 h 5 min"),
                                            (2 * 86400 + 3 * 3600 + 59, "2 d 3 h")])
def test_lateness_reads_at_a_glance(seconds, words):
    assert lateness.duration(seconds) == words


def test_late_work_shows_one_score_in_grade_feedback_export_and_report(class_course, roster,
                                                                       tmp_path):
    student = next(s for s, v in sorted(roster.items()) if v == "correct")
    root = copy_course(class_course, tmp_path / "course", [student])
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    due = datetime.datetime(2026, 1, 10, 12, 0, 0)
    with sqlite3.connect(root / "gradebook.db") as db:
        db.execute("update assignment set duedate = ? where name = 'ps1'", (due.isoformat(" "),))
    (root / "submitted" / student / "ps1" / "timestamp.txt").write_text(
        "2026-01-10 14:05:00.000000 UTC\n")

    graded = run_cli("grade", "ps1", "--timeout", str(NOTEBOOK_TIMEOUT), "--no-progress", cwd=root)
    assert "Late: 1 submission(s)" in graded.stdout
    assert f"{student}" in graded.stdout and "late by 2 h 5 min" in graded.stdout
    assert "penalty 5" in graded.stdout

    run_cli("feedback", "ps1", cwd=root)
    page = (root / "feedback" / student / "ps1" / "ps1.html").read_text()
    assert f"ps1 · {student}: 0 / 5</h2>" in page
    assert "Submitted 2 h 5 min after the deadline: the parts earned 5, minus a late penalty " \
           "of 5, gives 0." in page
    assert "(Score: 0 / 5.0)</h4>" in page  # nbgrader's own heading agrees

    run_cli("export", "-o", str(tmp_path / "grades.csv"), cwd=root)
    with (tmp_path / "grades.csv").open() as exported:
        row = next(csv.DictReader(exported))
    assert float(row["score"]) == 0.0 and float(row["late_penalty"]) == 5.0

    run_cli("report", "ps1", "--output", str(tmp_path / "report.html"), cwd=root)
    report = (tmp_path / "report.html").read_text()
    assert "1 late, with penalties of 5 point(s) in all" in report
    assert (f"<tr><td>{student}</td><td class=num>0</td><td>2 h 5 min</td>"
            "<td class=num>5</td>") in report


def test_the_class_report_opens_in_chromium_with_no_request_to_the_network(
        feedback, static_server, open_page_on, tmp_path):
    root, chosen, _ = feedback
    run_cli("report", "ps1", "--output", str(tmp_path / "report.html"), cwd=root)
    server = static_server(tmp_path)
    visit = open_page_on(server, "report.html")
    assert visit.problems() == []
    assert all(url.startswith((server.origin, "data:")) for url in visit.requests), visit.requests
    students = visit.page.evaluate(
        "() => [...document.querySelectorAll('h2')].map(h => h.textContent)")
    assert "Students" in students
    assert visit.page.locator(f"td:text-is('{chosen['correct']}')").count() == 1


def test_canvas_late_flag_is_shown_when_nbgrader_has_no_due_date(released_course, tmp_path):
    import democourse
    import zipfile

    root = copy_course(released_course, tmp_path / "course", [])
    with zipfile.ZipFile(tmp_path / "canvas.zip", "w") as archive:
        archive.writestr("doejane_late_12_34_ps1.ipynb", democourse.make_submission(
            democourse.source_notebook(), "correct", None))
    run_cli("collect", str(tmp_path / "canvas.zip"), "--assignment", "ps1", cwd=root)
    graded = run_cli("grade", "ps1", "--timeout", str(NOTEBOOK_TIMEOUT), "--no-progress", cwd=root)
    assert "Late: 1 submission(s)" in graded.stdout
    assert "doejane  late by Canvas: late  penalty 0" in graded.stdout
    run_cli("feedback", "ps1", cwd=root)
    page = (root / "feedback" / "doejane" / "ps1" / "ps1.html").read_text()
    assert "ps1 · doejane: 5 / 5</h2>" in page
    assert "Canvas marked this submission late (no late penalty here)." in page
