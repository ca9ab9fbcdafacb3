"""End to end: grading a generated class of 24 with ``autograder grade``, against plain nbgrader."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import democourse
from agtools import BIN, copy_course, graded_rows, plain_nbgrader, run_cli, scores

pytestmark = pytest.mark.slow

PARTS = ("test_sigmoid", "test_relu_grad", "test_mse")

#: What each malformed kind must be reported as, and the total it is still worth.
MALFORMED = {
    "invalid_json": ("invalid-notebook", 0.0),
    "duplicate_test": ("duplicate-cell", 5.0),
    "deleted_test": ("missing-cell", 5.0),     # the deleted test is put back and passes
    "edited_test": ("changed-cell", 3.0),      # the original test runs and catches the sum
    "changed_points": ("changed-points", 5.0),  # 1 point, not the 100 claimed
    "infinite_loop": ("cell-timeout", 5.0),    # interrupted after the function was defined
    "kernel_dies": ("kernel-died", 2.0),       # only the part before the crash counts
    "missing_notebook": ("missing-notebook", 0.0),
}


def _problems(root):
    return json.loads((root / "autograded" / "problems.json").read_text())


def test_scores_equal_plain_nbgrader_on_every_well_formed_submission(autograded, nbgrader_graded,
                                                                     roster):
    ours, theirs = scores(autograded[0]), scores(nbgrader_graded)
    well_formed = [s for s, v in roster.items() if democourse.VARIANTS[v][0]]
    assert len(well_formed) >= 16
    for student in well_formed:
        for part in PARTS:
            assert theirs[(student, part)] is not None, (student, part)
            assert ours[(student, part)] == theirs[(student, part)], (student, roster[student], part)
    # and the class is not trivially all-right or all-wrong
    totals = {sum(ours[(s, p)] for p in PARTS) for s in well_formed}
    assert 0.0 in totals and democourse.MAX_SCORE in totals and len(totals) >= 3


def test_every_submission_is_graded_and_recorded(autograded, roster):
    root, stdout = autograded
    assert set(graded_rows(root)) == set(roster)
    assert f"Graded {len(roster)} submission(s)" in stdout
    for student in roster:
        if roster[student] != "missing_notebook":
            assert (root / "autograded" / student / "ps1" / "ps1.ipynb").exists() or \
                roster[student] == "invalid_json"


def test_malformed_submissions_are_reported_with_a_reason_and_graded_as_far_as_possible(
        autograded, roster):
    root, stdout = autograded
    problems = _problems(root)
    ours = scores(root)
    for student, variant in roster.items():
        kinds = {p["kind"] for p in problems if p["student"] == student}
        if variant in MALFORMED:
            kind, total = MALFORMED[variant]
            assert kind in kinds, (student, variant, kinds)
            assert sum(ours[(student, p)] or 0.0 for p in PARTS) == total, (student, variant)
            assert student in stdout
        else:
            assert not kinds, (student, variant, kinds)
    for item in problems:
        assert item["message"] and item["assignment"] == "ps1"


def test_what_plain_nbgrader_does_with_the_same_malformed_submissions(released_course,
                                                                       tmp_path):
    # the baseline the autograder improves on: a deleted test is never run (its part gets no
    # score), and a duplicated grade id aborts the batch, so later students are not graded
    root = copy_course(released_course, tmp_path / "course", [])
    democourse.add_submissions(root, ["deleted_test", "duplicate_test", "correct"])
    done = plain_nbgrader(root)
    assert done.returncode != 0
    plain = scores(root)
    assert plain[("s001", "test_relu_grad")] is None
    assert ("s003", "test_mse") not in plain or plain[("s003", "test_mse")] is None
    run_cli("grade", "ps1", "--no-progress", "--force", cwd=root)
    ours = scores(root)
    assert ours[("s001", "test_relu_grad")] == 1.0
    assert [ours[(s, p)] for s in ("s002", "s003") for p in PARTS] == [2.0, 1.0, 2.0] * 2


def test_a_second_run_grades_nothing_again(autograded, roster):
    root, _ = autograded
    before = graded_rows(root)
    done = run_cli("grade", "ps1", "--no-progress", cwd=root)
    assert "Grading 0 submission(s)" in done.stdout
    assert f"{len(roster)} already graded, skipped" in done.stdout
    assert graded_rows(root) == before


def test_a_changed_submission_is_graded_again_and_only_it(class_course, roster, tmp_path):
    students = sorted(roster)[:2]
    root = copy_course(class_course, tmp_path / "course", students)
    run_cli("grade", "ps1", "--no-progress", cwd=root)
    first = graded_rows(root)
    release = json.loads((root / "release" / "ps1" / "ps1.ipynb").read_text())
    target = root / "submitted" / students[1] / "ps1" / "ps1.ipynb"
    target.chmod(0o644)
    target.write_bytes(democourse.make_submission(release, "correct", None))
    done = run_cli("grade", "ps1", "--no-progress", cwd=root)
    assert "Grading 1 submission(s)" in done.stdout
    second = graded_rows(root)
    assert second[students[0]] == first[students[0]]
    assert second[students[1]] != first[students[1]]
    assert sum(scores(root)[(students[1], p)] for p in PARTS) == democourse.MAX_SCORE


def test_nbgrader_export_reads_the_gradebook_the_autograder_wrote(autograded, roster, tmp_path):
    root, _ = autograded
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    out = tmp_path / "nbgrader.csv"
    done = subprocess.run([os.path.join(BIN, "nbgrader"), "export", "--to", str(out)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    import csv

    with out.open() as handle:
        rows = {r["student_id"]: r for r in csv.DictReader(handle)}
    ours = scores(root)
    for student in roster:
        assert float(rows[student]["score"]) == sum(ours[(student, p)] or 0.0 for p in PARTS)


def test_export_writes_one_row_per_student_with_part_columns(autograded, roster):
    root, _ = autograded
    done = run_cli("export", "--output", "-", cwd=root)
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert list(rows[0])[:5] == ["student_id", "assignment", "score", "max_score", "late_penalty"]
    assert {r["student_id"] for r in rows} == set(roster)
    ours = scores(root)
    for row in rows:
        parts = [float(row[p]) for p in PARTS]
        assert parts == [ours[(row["student_id"], p)] for p in PARTS]
        assert float(row["score"]) == sum(parts) and float(row["max_score"]) == democourse.MAX_SCORE


def test_report_is_one_page_with_three_plots_and_the_class_mistakes(autograded, roster, tmp_path):
    root, _ = autograded
    page = tmp_path / "report.html"
    run_cli("report", "ps1", "--output", str(page), cwd=root)
    text = page.read_text()
    assert text.count("src=\"data:image/png;base64,") == 3
    assert "http://" not in text and "https://" not in text  # self-contained
    expected = {"mse_sum": "mse-sum-not-mean", "relu_one_at_zero": "relu-grad-one-at-zero",
                "sigmoid_wrong_sign": "sigmoid-wrong-sign", "mse_rows": "mse-mean-over-rows"}
    for variant, mistake in expected.items():
        if variant in roster.values():
            assert f"<code>{mistake}</code>" in text
    # a mistake's count is at least the number of students given that exact variant
    n = sum(v == "mse_sum" for v in roster.values())
    assert f"<code>mse-sum-not-mean</code></td><td class=num>" in text and n >= 1


def test_feedback_pages_carry_each_parts_score_and_the_failure(autograded, roster):
    root, _ = autograded
    student = next(s for s, v in roster.items() if v == "mse_sum")
    others = [s for s, v in roster.items() if v in ("correct", "blank")][:2]
    done = run_cli("feedback", "ps1", "--workers", "2", *[f"--student={s}" for s in
                                                          [student, *others]], cwd=root)
    assert "Wrote feedback for 3 student(s)" in done.stdout
    page = (root / "feedback" / student / "ps1" / "ps1.html").read_text()
    assert 'class="ag-summary"' in page
    assert "3 / 5" in page
    assert "MSE averages the squared errors" in page
    for other in others:
        assert 'class="ag-summary"' in (root / "feedback" / other / "ps1" / "ps1.html").read_text()
