"""``collect`` checks everything before it copies: the assignment, the notebooks' names, whose
export it is, and every file's bytes; every problem is listed once, at the end."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

import democourse
from agtools import copy_course
from autograder import collect as collect_module
from autograder.cli import main
from autograder.collect import _stands_for


@pytest.fixture(scope="module")
def two_assignments(released_course, tmp_path_factory) -> Path:
    """The released course plus a second released assignment, ``optimizers``."""
    root = copy_course(released_course, tmp_path_factory.mktemp("two") / "course", [])
    (root / "source" / "optimizers").mkdir()
    (root / "source" / "optimizers" / "optimizers.ipynb").write_bytes(
        (root / "source" / "ps1" / "ps1.ipynb").read_bytes())
    assert main(["release", "optimizers", "--course", str(root)]) == 0
    return root


@pytest.fixture
def course(two_assignments, tmp_path) -> Path:
    return copy_course(two_assignments, tmp_path / "course", [])


@pytest.fixture(scope="module")
def notebook(released_course) -> bytes:
    release = json.loads((released_course / "release/ps1/ps1.ipynb").read_text())
    return democourse.make_submission(release, "correct", None)


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _files(root: Path) -> list[str]:
    submitted = root / "submitted"
    return sorted(str(p.relative_to(submitted)) for p in submitted.rglob("*")) \
        if submitted.exists() else []


def _collect(capsys, course, source, *options):
    code = main(["collect", str(source), *options, "--course", str(course)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_mistyped_assignment_is_refused_with_the_closest_name(course, notebook, tmp_path,
                                                                capsys):
    export = _zip(tmp_path / "canvas.zip", {"ann_1_2_optimizers.ipynb": notebook})
    code, _, err = _collect(capsys, course, export, "--assignment", "optimiser")
    assert code == 2
    assert ("no assignment 'optimiser' in this course (released: optimizers, ps1); did you mean "
            "optimizers?") in err
    assert _files(course) == []


def test_an_export_of_another_assignment_is_refused(course, notebook, tmp_path, capsys):
    moodle = _zip(tmp_path / "moodle.zip", {
        f"{name}_{i}_assignsubmission_file_/optimizers.ipynb": notebook
        for i, name in enumerate(["Ann Lee", "Ben Ong", "Cy Park"])})
    code, _, err = _collect(capsys, course, moodle, "--assignment", "ps1")
    assert code == 2
    assert ("moodle.zip is not an export of ps1: 3 of its notebooks are named for optimizers "
            "(found: optimizers.ipynb); nothing copied") in err
    unknown = _zip(tmp_path / "unknown.zip", {"ann_1_2_week3.ipynb": notebook})
    code, _, err = _collect(capsys, course, unknown, "--assignment", "ps1")
    assert code == 2
    assert "none of its notebooks is one of ps1.ipynb (found: week3.ipynb)" in err
    assert _files(course) == []


def test_one_notebook_of_another_assignment_is_skipped_the_rest_copied(course, notebook,
                                                                       tmp_path, capsys):
    export = _zip(tmp_path / "canvas.zip", {"ann_1_2_ps1.ipynb": notebook,
                                            "ben_3_4_ps1.ipynb": notebook,
                                            "cy_5_6_optimizers.ipynb": notebook})
    code, out, _ = _collect(capsys, course, export, "--assignment", "ps1")
    assert code == 1
    assert ("other-assignment  cy_5_6_optimizers.ipynb: is a notebook of optimizers, not of ps1; "
            "not copied") in out
    assert _files(course) == ["ann", "ann/ps1", "ann/ps1/ps1.ipynb", "ann/ps1/timestamp.txt",
                              "ben", "ben/ps1", "ben/ps1/ps1.ipynb", "ben/ps1/timestamp.txt"]


def test_renamed_and_duplicated_notebooks_are_mapped_when_unambiguous(course, notebook,
                                                                      tmp_path, capsys):
    export = tmp_path / "folders"
    for student, names in {"ann": ["ps1 (copy).ipynb"],
                           "ben": ["ps1.ipynb", "Copy of ps1.ipynb"],
                           "cy": ["ps1 (copy).ipynb", "Copy of ps1.ipynb"],
                           "dee": ["PS_1.ipynb", "notes.ipynb"]}.items():
        (export / student).mkdir(parents=True)
        for name in names:
            (export / student / name).write_bytes(notebook)
    code, out, _ = _collect(capsys, course, export, "--assignment", "ps1")
    assert code == 1  # cy's two copies are left for the instructor
    assert "ann/ps1 (copy).ipynb: filed as ps1.ipynb" in out
    assert "dee/PS_1.ipynb: filed as ps1.ipynb" in out
    assert ("ben/Copy of ps1.ipynb: a copy of ps1.ipynb, which is also submitted and is the one "
            "graded; copied as Copy of ps1.ipynb") in out
    assert ("cy/Copy of ps1.ipynb: one of 2 copies of ps1.ipynb (Copy of ps1.ipynb, ps1 "
            "(copy).ipynb); none chosen") in out
    assert "dee/notes.ipynb: is none of ps1's notebooks (ps1.ipynb); copied as it is" in out
    assert sorted(p.name for p in (course / "submitted/ann/ps1").iterdir()) == [
        "ps1.ipynb", "timestamp.txt"]
    assert sorted(p.name for p in (course / "submitted/ben/ps1").iterdir()) == [
        "Copy of ps1.ipynb", "ps1.ipynb", "timestamp.txt"]
    assert sorted(p.name for p in (course / "submitted/cy/ps1").iterdir()) == [
        "Copy of ps1.ipynb", "ps1 (copy).ipynb", "timestamp.txt"]
    assert sorted(p.name for p in (course / "submitted/dee/ps1").iterdir()) == [
        "notes.ipynb", "ps1.ipynb", "timestamp.txt"]


@pytest.mark.parametrize("stem, names, expected", [
    ("ps1 (copy)", {"ps1"}, ["ps1"]),
    ("Copy of ps1", {"ps1"}, ["ps1"]),
    ("PS_1", {"ps1"}, ["ps1"]),
    ("activaitons", {"activations", "optimizers"}, ["activations"]),
    ("activations_extra_final", {"activations", "activations_extra"}, ["activations_extra"]),
    ("ps1_and_ps2", {"ps1", "ps2"}, ["ps1", "ps2"]),  # ambiguous: both returned
    ("notes", {"ps1"}, []),
])
def test_what_a_renamed_notebook_stands_for(stem, names, expected):
    assert _stands_for(stem, names) == expected


def _corrupt_zip(path: Path, members: dict[str, bytes], damaged: str) -> Path:
    """A zip whose member ``damaged`` has its compressed bytes overwritten (its CRC fails)."""
    _zip(path, members)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(damaged)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 100
    data[start:start + 64] = bytes(64)
    path.write_bytes(bytes(data))
    return path


def test_a_corrupt_member_is_named_and_skipped_and_the_rest_collected(course, notebook,
                                                                      tmp_path, capsys):
    students = [f"s{i}" for i in range(6)]
    export = _corrupt_zip(tmp_path / "canvas.zip",
                          {f"{s}_1_2_ps1.ipynb": notebook for s in students}, "s2_1_2_ps1.ipynb")
    code, out, _ = _collect(capsys, course, export, "--assignment", "ps1", "--dry-run")
    assert code == 1 and "unreadable  s2_1_2_ps1.ipynb: could not be read" in out
    assert _files(course) == []  # a dry run writes nothing

    code, out, _ = _collect(capsys, course, export, "--assignment", "ps1")
    assert code == 1
    assert "Copied 5 file(s) for 5 student(s)" in out
    assert "1 problem(s) (1 file(s) skipped; exit status 1):" in out
    assert "unreadable  s2_1_2_ps1.ipynb: could not be read (" in out and "not copied" in out
    assert sorted(p.name for p in (course / "submitted").iterdir()) == [
        s for s in students if s != "s2"]  # no folder for s2, no staging folder left
    for student in students:
        if student != "s2":
            assert (course / f"submitted/{student}/ps1/ps1.ipynb").read_bytes() == notebook


def test_an_interrupted_collect_leaves_nothing_half_written(course, notebook, tmp_path,
                                                            monkeypatch, capsys):
    export = _zip(tmp_path / "canvas.zip", {f"s{i}_1_2_ps1.ipynb": notebook for i in range(4)})
    writes = []
    original = Path.write_bytes

    def write_then_stop(self, data):
        writes.append(self)
        if len(writes) == 3:
            raise KeyboardInterrupt
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        collect_module.collect(collect_module.Course(course), str(export), assignment="ps1")
    assert _files(course) == []  # staged files only, removed: nothing in submitted/
