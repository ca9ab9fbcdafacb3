"""The command line (every command has --help), collecting LMS exports, and the learner's check."""
from __future__ import annotations

import json
import zipfile

import pytest

import democourse
from agtools import copy_course
from autograder.cli import build_parser, main
from autograder.course import Course

COMMANDS = ["release", "collect", "grade", "feedback", "export", "report", "check"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert f"usage: autograder {command}" in text and len(text) > 200


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert all(c in text for c in COMMANDS)


def test_grade_options_are_the_documented_ones():
    args = build_parser().parse_args(["grade", "ps1", "--workers", "3", "--timeout", "9",
                                      "--executor", "dask", "--scheduler", "tcp://h:8786"])
    assert (args.workers, args.timeout, args.executor, args.scheduler) == (3, 9.0, "dask",
                                                                           "tcp://h:8786")


def test_an_unknown_assignment_is_a_clear_error(released_course, capsys):
    assert main(["grade", "nope", "--course", str(released_course)]) == 2
    err = capsys.readouterr().err
    assert "no assignment 'nope' in this course (released: ps1)" in err


def _notebook_bytes(variant="correct"):
    return democourse.make_submission(democourse.source_notebook(), variant, None)


def _collected(course_root, student):
    folder = course_root / "submitted" / student / "ps1"
    return sorted(p.name for p in folder.iterdir())


def test_collect_canvas_zip_keeps_the_latest_resubmission(released_course, tmp_path):
    root = copy_course(released_course, tmp_path / "course", [])
    export = tmp_path / "canvas.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("submissions/doejane_12345_678_ps1.ipynb", b'{"old": 1}')
        archive.writestr("submissions/doejane_12345_679_ps1-1.ipynb", _notebook_bytes())
        archive.writestr("submissions/smithbob_late_222_333_ps1.ipynb", _notebook_bytes("blank"))
        archive.writestr("submissions/smithbob_late_222_333_data.csv", b"1,2\n")
        archive.writestr("__MACOSX/._junk", b"")
    summary = __import__("autograder.collect", fromlist=["collect"]).collect(
        Course(root), str(export), assignment="ps1")
    assert sorted(summary.copied) == ["doejane", "smithbob"]
    assert _collected(root, "doejane") == ["ps1.ipynb", "timestamp.txt"]
    assert json.loads((root / "submitted/doejane/ps1/ps1.ipynb").read_bytes()).get("cells")
    assert _collected(root, "smithbob") == ["data.csv", "lms_late.txt", "ps1.ipynb",
                                            "timestamp.txt"]
    assert (root / "submitted/smithbob/ps1/lms_late.txt").read_text() == "Canvas\n"


def test_a_canvas_resubmission_on_time_clears_the_late_flag(released_course, tmp_path):
    root = copy_course(released_course, tmp_path / "course", [])
    collect = __import__("autograder.collect", fromlist=["collect"]).collect
    for name, flag in (("late.zip", "late_"), ("on_time.zip", "")):
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr(f"smithbob_{flag}222_333_ps1.ipynb", _notebook_bytes())
        collect(Course(root), str(tmp_path / name), assignment="ps1")
        assert (root / "submitted/smithbob/ps1/lms_late.txt").exists() == bool(flag)


def test_collect_folders_nbgrader_and_moodle_layouts(released_course, tmp_path, capsys):
    root = copy_course(released_course, tmp_path / "course", [])
    folders = tmp_path / "folders"
    (folders / "ann").mkdir(parents=True)
    (folders / "ann" / "ps1 (1).ipynb").write_bytes(_notebook_bytes())
    assert main(["collect", str(folders), "--assignment", "ps1", "--course", str(root)]) == 0
    assert _collected(root, "ann") == ["ps1.ipynb", "timestamp.txt"]

    exchange = tmp_path / "exchange"
    (exchange / "ben" / "ps1").mkdir(parents=True)
    (exchange / "ben" / "ps1" / "ps1.ipynb").write_bytes(_notebook_bytes())
    assert main(["collect", str(exchange), "--course", str(root)]) == 0
    assert _collected(root, "ben") == ["ps1.ipynb", "timestamp.txt"]

    moodle = tmp_path / "moodle"
    (moodle / "Cara Diaz_4242_assignsubmission_file_").mkdir(parents=True)
    (moodle / "Cara Diaz_4242_assignsubmission_file_" / "ps1.ipynb").write_bytes(_notebook_bytes())
    assert main(["collect", str(moodle), "--assignment", "ps1", "--course", str(root)]) == 0
    assert _collected(root, "cara_diaz") == ["ps1.ipynb", "timestamp.txt"]


def test_collect_reports_what_it_cannot_match(released_course, tmp_path, capsys):
    root = copy_course(released_course, tmp_path / "course", [])
    export = tmp_path / "export"
    (export / "dan").mkdir(parents=True)
    (export / "dan" / "ps1.ipynb").write_bytes(_notebook_bytes())
    (export / "README.txt").write_text("instructions")
    assert main(["collect", str(export), "--assignment", "ps1", "--course", str(root)]) == 2
    assert "could not recognise the layout" in capsys.readouterr().err
    assert main(["collect", str(export), "--assignment", "ps1", "--layout", "folders",
                 "--course", str(root)]) == 1
    out = capsys.readouterr().out
    assert "1 file(s) skipped" in out and "unmatched  README.txt: matches no student" in out


def test_check_reports_each_visible_test_and_exits_nonzero_on_failure(released_course, tmp_path,
                                                                      capsys):
    release = json.loads((released_course / "release/ps1/ps1.ipynb").read_text())
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    good.write_bytes(democourse.make_submission(release, "correct", None))
    bad.write_bytes(democourse.make_submission(release, "mse_sum", None))
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 test cell(s) pass (5 of 5 points" in out
    before = bad.read_bytes()
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "test_mse" in out and "FAILED" in out and "use the mean, not the sum" in out
    assert bad.read_bytes() == before  # the learner's file is not changed
