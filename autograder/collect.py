"""``autograder collect``: file the submissions an LMS exported into nbgrader's layout.

Reads a folder or a zip, works out the student and the file for each path, and copies each file to
``submitted/<student>/<assignment>/<file>`` with a ``timestamp.txt`` (the newest file time of the
student's submission). Layouts:

* ``nbgrader``: ``STUDENT/ASSIGNMENT/FILE`` (the exchange's, or a copy of another course's folder)
* ``folders``:  ``STUDENT/FILE``
* ``canvas``:   ``STUDENT_[LATE_]USERID_SUBMISSIONID_FILE`` (flat). Canvas renames resubmitted
  files ``ps1-1.ipynb``, ``ps1-2.ipynb``: the highest number wins and the suffix is dropped.
* ``moodle``:   ``Full Name_ID_assignsubmission_file_/FILE``; the student id is the name in
  lower case with underscores.

A notebook whose name is not one of the assignment's is renamed to it when it differs only by
such a suffix (``ps1 (1).ipynb``, ``ps1-2.ipynb``); otherwise it is copied as it is (grading
reports it). Paths that match no layout are listed and skipped.
"""
from __future__ import annotations

import datetime
import os
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import Course, CourseError

CANVAS = re.compile(r"^(?P<student>[A-Za-z0-9-]+?)_(?:(?:late|LATE)_)?(?:\d+_){1,2}(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<student>[^/]+?)_\d+_assignsubmission_[a-z]+_/(?P<file>.+)$")
_COPY_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:-(?P<n>\d+)| \((?P<m>\d+)\))$")
_JUNK = ("__MACOSX/", ".DS_Store", ".ipynb_checkpoints/", "Thumbs.db")


@dataclass
class CollectSummary:
    copied: dict[str, list[str]] = field(default_factory=dict)  # student -> files
    unmatched: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Entry:
    path: str  # POSIX path inside the source
    mtime: datetime.datetime
    read: object  # () -> bytes


def _entries(source: Path) -> list[_Entry]:
    if source.is_file() and zipfile.is_zipfile(source):
        archive = zipfile.ZipFile(source)
        out = []
        for info in archive.infolist():
            if info.is_dir():
                continue
            stamp = datetime.datetime(*info.date_time, tzinfo=datetime.timezone.utc)
            out.append(_Entry(info.filename, stamp, lambda i=info: archive.read(i)))
        return out
    if source.is_dir():
        out = []
        for dirpath, _, filenames in os.walk(source):
            for name in filenames:
                full = Path(dirpath) / name
                if full.is_symlink():
                    continue
                stamp = datetime.datetime.fromtimestamp(full.stat().st_mtime, datetime.timezone.utc)
                out.append(_Entry(full.relative_to(source).as_posix(), stamp,
                                  lambda f=full: f.read_bytes()))
        return out
    raise FileNotFoundError(f"{source} is neither a folder nor a zip file")


def _strip_root(paths: list[str]) -> list[str] | None:
    """The paths without their common top folder (LMS zips often wrap everything in one), or
    None if they do not share one."""
    firsts = {p.split("/", 1)[0] for p in paths}
    if len(firsts) != 1 or any("/" not in p for p in paths):
        return None
    return [p.split("/", 1)[1] for p in paths]


def _detect(paths: list[str], assignment: str | None) -> tuple[str, int]:
    """The layout, and how many wrapping top folders to drop first."""
    levels = [paths]
    while (stripped := _strip_root(levels[-1])) is not None:
        levels.append(stripped)
    for depth, level in enumerate(levels):  # the LMS-specific names first, at any depth
        if all(MOODLE.match(p) for p in level):
            return "moodle", depth
        if all(len(PurePosixPath(p).parts) == 1 and CANVAS.match(p) for p in level):
            return "canvas", depth
    depths = {len(PurePosixPath(p).parts) for p in paths}
    if depths == {3} and (assignment is None or all(PurePosixPath(p).parts[1] == assignment
                                                    for p in paths)):
        return "nbgrader", 0
    if depths == {2}:
        return "folders", 0
    raise CourseError("could not recognise the layout of the submissions (files at depths "
                      f"{sorted(depths)}); pass --layout or --pattern")


def _match(path: str, layout: str, pattern, assignment: str | None):
    """(student, assignment, file) for ``path``, or None."""
    if pattern is not None:
        m = pattern.match(path)
        return (m["student"], assignment, m["file"]) if m else None
    parts = PurePosixPath(path).parts
    if layout == "nbgrader":
        return (parts[0], parts[1], "/".join(parts[2:])) if len(parts) >= 3 else None
    if layout == "folders":
        return (parts[0], assignment, "/".join(parts[1:])) if len(parts) >= 2 else None
    if layout == "canvas":
        m = CANVAS.match(path) if len(parts) == 1 else None
        return (m["student"].lower(), assignment, m["file"]) if m else None
    if layout == "moodle":
        m = MOODLE.match(path)
        if not m:
            return None
        return (re.sub(r"\W+", "_", m["student"].strip().lower()).strip("_"), assignment, m["file"])
    raise ValueError(f"unknown layout {layout!r}")


def _normalise(filename: str, notebooks: set[str]) -> tuple[str, int]:
    """The notebook name ``filename`` stands for, and its resubmission number."""
    path = PurePosixPath(filename)
    if path.suffix != ".ipynb" or path.stem in notebooks:
        return filename, 0
    m = _COPY_SUFFIX.match(path.stem)
    if m and m["stem"] in notebooks:
        return str(path.with_name(m["stem"] + ".ipynb")), int(m["n"] or m["m"])
    return filename, 0


def collect(course: Course, source: str, assignment: str | None = None, layout: str = "auto",
            pattern: str | None = None, dry_run: bool = False, out=sys.stdout) -> CollectSummary:
    source_path = Path(source)
    entries = [e for e in _entries(source_path)
               if not any(j in e.path or e.path.endswith(j.rstrip("/")) for j in _JUNK)]
    if not entries:
        raise CourseError(f"{source} holds no files")
    regex = re.compile(pattern) if pattern else None
    if regex is not None and not {"student", "file"} <= set(regex.groupindex):
        raise ValueError(f"--pattern {pattern!r} needs the groups (?P<student>...) and (?P<file>...)")
    if regex is None and layout == "auto":
        layout, wrappers = _detect([e.path for e in entries], assignment)
        for entry in entries:
            entry.path = entry.path.split("/", wrappers)[-1] if wrappers else entry.path
    if layout != "nbgrader" and assignment is None:
        raise CourseError(f"the {layout if regex is None else 'pattern'} layout does not name the "
                          "assignment: pass --assignment")

    summary = CollectSummary()
    chosen: dict[tuple[str, str, str], tuple[int, _Entry]] = {}
    for entry in entries:
        found = _match(entry.path, layout, regex, assignment)
        if not found or not found[0] or not found[2]:
            summary.unmatched.append(entry.path)
            continue
        student, assign, filename = found
        if assignment is not None and assign != assignment:
            continue
        notebooks = {p.stem for p in course.source_notebooks(assign)} | {
            p.stem for p in course.folder("release", ".", assign).glob("*.ipynb")}
        target, number = _normalise(filename, notebooks)
        if target != filename:
            summary.renamed.append((entry.path, target))
        key = (student, assign, target)
        if key not in chosen or (number, entry.mtime) > (chosen[key][0], chosen[key][1].mtime):
            chosen[key] = (number, entry)

    newest: dict[tuple[str, str], datetime.datetime] = {}
    for (student, assign, target), (_, entry) in sorted(chosen.items()):
        summary.copied.setdefault(student, []).append(target)
        newest[(student, assign)] = max(entry.mtime, newest.get((student, assign), entry.mtime))
        if dry_run:
            continue
        dest = course.folder("submitted", student, assign) / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(entry.read())
    if not dry_run:
        for (student, assign), stamp in newest.items():
            (course.folder("submitted", student, assign) / "timestamp.txt").write_text(
                stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z") + "\n")

    verb = "Would copy" if dry_run else "Copied"
    files = sum(len(v) for v in summary.copied.values())
    print(f"{verb} {files} file(s) for {len(summary.copied)} student(s) from {source} "
          f"({'pattern' if regex else layout} layout) into "
          f"{course.coursedir.submitted_directory}/STUDENT/{assignment or 'ASSIGNMENT'}/.", file=out)
    for original, target in summary.renamed:
        print(f"  renamed {original} -> {target}", file=out)
    if summary.unmatched:
        print(f"Skipped {len(summary.unmatched)} path(s) that match no student:", file=out)
        for path in summary.unmatched[:20]:
            print(f"  {path}", file=out)
        if len(summary.unmatched) > 20:
            print(f"  ... and {len(summary.unmatched) - 20} more", file=out)
    return summary
