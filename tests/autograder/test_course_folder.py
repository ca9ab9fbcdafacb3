"""Every command needs a course folder and creates nothing outside one; unknown assignments are
named with what is there; an empty export never replaces a file without --force."""
from __future__ import annotations

import pytest

from agtools import copy_course
from autograder.cli import main
from autograder.course import Course

#: Every command that works in a course, with the arguments it needs.
COURSE_COMMANDS = [
    ["release", "ps1"],
    ["practice", "ps1", "--output", "practice.zip"],
    ["collect", "export.zip", "--assignment", "ps1"],
    ["grade", "ps1", "--no-progress"],
    ["feedback", "ps1"],
    ["export"],
    ["report", "ps1"],
]


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("argv", COURSE_COMMANDS, ids=lambda argv: argv[0])
def test_outside_a_course_every_command_stops_and_creates_nothing(argv, tmp_path, monkeypatch,
                                                                  capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "export.zip").write_bytes(b"")
    monkeypatch.chdir(elsewhere)
    before = _tree(elsewhere)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (f"not a course directory: {elsewhere.resolve()} (no nbgrader_config.py); run from "
            "the course folder or pass --course") in err
    assert _tree(elsewhere) == before  # no gradebook.db, no folders


def test_course_option_pointing_inside_a_course_names_the_course(released_course, tmp_path,
                                                                 capsys):
    root = copy_course(released_course, tmp_path / "course", [])
    assert main(["export", "--course", str(root / "source")]) == 2
    err = capsys.readouterr().err
    assert f"not a course directory: {(root / 'source').resolve()}" in err
    assert f"(the folder {root.resolve()} is one)" in err
    assert not (root / "source" / "gradebook.db").exists()


def test_a_course_with_nothing_released_gets_no_empty_gradebook(tmp_path, capsys):
    import democourse

    root = democourse.make_course(tmp_path / "course")
    assert main(["export", "--course", str(root)]) == 2
    assert "nothing has been released; run `autograder release ASSIGNMENT` first" in \
        capsys.readouterr().err
    assert not (root / "gradebook.db").exists()


def test_unknown_and_unreleased_assignments_say_which_is_which(released_course, tmp_path,
                                                               capsys):
    root = copy_course(released_course, tmp_path / "course", [])
    assert main(["export", "--assignment", "ps", "--course", str(root)]) == 2
    assert "no assignment 'ps' in this course (released: ps1); did you mean ps1?" in \
        capsys.readouterr().err
    (root / "source" / "ps2").mkdir()
    (root / "source" / "ps2" / "ps2.ipynb").write_bytes((root / "source/ps1/ps1.ipynb")
                                                         .read_bytes())
    assert main(["export", "--assignment", "ps2", "--course", str(root)]) == 2
    assert ("assignment 'ps2' is not released yet (it is in source/ but not in the gradebook); "
            "run `autograder release ps2` first") in capsys.readouterr().err


def test_export_never_replaces_a_file_with_an_empty_export_without_force(released_course,
                                                                         tmp_path, capsys):
    root = copy_course(released_course, tmp_path / "course", [])
    grades = tmp_path / "grades.csv"
    grades.write_text("student_id,assignment,score\nann,ps1,5\n")
    before = grades.read_bytes()
    assert main(["export", "--output", str(grades), "--course", str(root)]) == 2
    err = capsys.readouterr().err
    assert "exists and this export has no rows" in err and "--force" in err
    assert grades.read_bytes() == before
    assert main(["export", "--output", str(grades), "--force", "--course", str(root)]) == 0
    assert grades.read_text().splitlines() == [
        "student_id,assignment,score,max_score,late_penalty,test_sigmoid,test_relu_grad,test_mse"]

    gb = Course(root).gradebook()  # a student on the roster: the export has a row, and replaces
    try:
        gb.update_or_create_student("ann")
    finally:
        gb.close()
    grades.write_bytes(before)
    assert main(["export", "--output", str(grades), "--course", str(root)]) == 0
    assert grades.read_text().splitlines()[1] == "ann,ps1,0,5,0,,,"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "grades.csv"]  # no temp left
