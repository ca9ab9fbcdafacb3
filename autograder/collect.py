"""``autograder collect``: file the submissions an LMS exported into nbgrader's layout.

Reads a folder or a zip, works out the student and the file for each path, and copies each file to
``submitted/<student>/<assignment>/<file>`` with a ``timestamp.txt`` (the newest file time of the
student's submission). Layouts:

* ``nbgrader``: ``STUDENT/ASSIGNMENT/FILE`` (the exchange's, or a copy of another course's folder)
* ``folders``:  ``STUDENT/FILE``
* ``canvas``:   ``STUDENT_[LATE_]USERID_SUBMISSIONID_FILE`` (flat). Canvas renames resubmitted
  files ``ps1-1.ipynb``, ``ps1-2.ipynb``: the highest number wins and the suffix is dropped.
  Canvas's own late flag (``_late_``) is kept beside the timestamp as ``lms_late.txt`` (see
  ``autograder.lateness``): zip times are not submission times, so it is the export's only
  reliable word on lateness.
* ``moodle``:   ``Full Name_ID_assignsubmission_file_/FILE``; the student id is the name in
  lower case with underscores.

Everything is checked before anything is copied, and every problem is listed in one list at the
end (``CollectSummary.problems``):

* the assignment must be released (in the gradebook); a mistyped name gets the closest one;
* notebooks are matched to the release's notebook names: a resubmission suffix (``ps1 (1)``,
  ``ps1-2``: the highest number wins), or any other renamed copy (``ps1 (copy)``, ``Copy of
  ps1``, ``PS1_final``) that stands for exactly one of the release's notebooks, is filed under
  the release's name; a copy beside the notebook itself, a name that could stand for two
  notebooks, or two copies of one notebook are copied as they are and listed, never guessed;
* an export of another assignment (no notebook of this one, or more notebooks named for another
  released assignment than for this one) is refused, nothing copied; a single notebook named
  for another assignment is skipped;
* a file that cannot be read (a corrupt zip member) is named and skipped, the rest copied.

Files are written to a staging folder under ``submitted/`` and renamed into place, so a file
is never half written; paths that match no layout are listed and skipped.
"""
from __future__ import annotations

import datetime
import difflib
import os
import re
import shutil
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import Course, CourseError, closest
from .lateness import lms_late_path
from .spec import first_line

CANVAS = re.compile(r"^(?P<student>[A-Za-z0-9-]+?)_(?P<late>(?:late|LATE)_)?(?:\d+_){1,2}"
                    r"(?P<file>.+)$")
MOODLE = re.compile(r"^(?P<student>[^/]+?)_\d+_assignsubmission_[a-z]+_/(?P<file>.+)$")
_COPY_SUFFIX = re.compile(r"^(?P<stem>.+?)(?:-(?P<n>\d+)| \((?P<m>\d+)\))$")
_JUNK = ("__MACOSX/", ".DS_Store", ".ipynb_checkpoints/", "Thumbs.db")


@dataclass
class Problem:
    """One line of the list ``collect`` ends with: a path of the source, and what happened."""
    path: str
    kind: str  # one of PROBLEM_KINDS
    message: str
    other: str = ""  # for "other-assignment": the assignment the file is a notebook of


#: What each kind of problem means, and whether the file was copied.
PROBLEM_KINDS = {
    "unmatched": "matches no student in the layout; skipped",
    "unreadable": "could not be read (a corrupt zip member, or an unreadable file); skipped",
    "unknown-assignment": "names an assignment that is not released; skipped",
    "other-assignment": "is a notebook of another assignment; skipped",
    "ambiguous": "could stand for more than one notebook, or is one of several copies; copied "
                 "under its own name (not graded until renamed)",
    "duplicate": "a copy beside the notebook of the same name; copied under its own name (the "
                 "notebook of that name is graded)",
    "extra-notebook": "a notebook that is none of the release's; copied under its own name",
    "renamed": "filed under the release's notebook name",
}
#: Kinds that leave something for the instructor to do: ``collect`` exits with status 1.
ATTENTION = frozenset({"unmatched", "unreadable", "unknown-assignment", "other-assignment",
                       "ambiguous"})


@dataclass
class CollectSummary:
    copied: dict[str, list[str]] = field(default_factory=dict)  # student -> files
    problems: list[Problem] = field(default_factory=list)

    @property
    def unmatched(self) -> list[str]:
        return [p.path for p in self.problems if p.kind == "unmatched"]

    @property
    def renamed(self) -> list[tuple[str, str]]:
        return [(p.path, p.message) for p in self.problems if p.kind == "renamed"]

    @property
    def needs_attention(self) -> bool:
        """Whether a file was skipped or left ambiguous (the command's exit status is 1)."""
        return any(p.kind in ATTENTION for p in self.problems)


@dataclass
class _Entry:
    path: str  # POSIX path inside the source
    mtime: datetime.datetime
    read: object  # () -> bytes


#: What reading a damaged zip member or file raises.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError,
                NotImplementedError)


def _entries(source: Path) -> list[_Entry]:
    if source.is_file() and zipfile.is_zipfile(source):
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError) as error:
            raise CourseError(f"{source} is not a readable zip file: {first_line(error)}") from None
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
    """(student, assignment, file, late) for ``path``, or None. ``late`` is the LMS's own flag
    where the layout carries one (Canvas's ``_late_``: True or False), else None."""
    if pattern is not None:
        m = pattern.match(path)
        return (m["student"], assignment, m["file"], None) if m else None
    parts = PurePosixPath(path).parts
    if layout == "nbgrader":
        return (parts[0], parts[1], "/".join(parts[2:]), None) if len(parts) >= 3 else None
    if layout == "folders":
        return (parts[0], assignment, "/".join(parts[1:]), None) if len(parts) >= 2 else None
    if layout == "canvas":
        m = CANVAS.match(path) if len(parts) == 1 else None
        return (m["student"].lower(), assignment, m["file"], bool(m["late"])) if m else None
    if layout == "moodle":
        m = MOODLE.match(path)
        if not m:
            return None
        student = re.sub(r"\W+", "_", m["student"].strip().lower()).strip("_")
        return (student, assignment, m["file"], None)
    raise ValueError(f"unknown layout {layout!r}")


def _key(stem: str) -> str:
    """A notebook name as compared across renamings: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", stem.lower())


def _stands_for(stem: str, names: set[str]) -> list[str]:
    """The notebook names of ``names`` that a renamed notebook ``stem`` may stand for: those
    equal to it but for case and punctuation (``PS_1``), else the longest contained in it
    (``ps1 (copy)``, ``Copy of ps1``, ``ps1_final``: names of three characters or more), else a
    close spelling (``activaitons``). More than one: ambiguous."""
    key = _key(stem)
    if not key:
        return []
    same = sorted(n for n in names if _key(n) == key)
    if same:
        return same
    inside = [n for n in names if len(_key(n)) >= 3 and _key(n) in key]
    if inside:
        longest = max(len(_key(n)) for n in inside)
        return sorted(n for n in inside if len(_key(n)) == longest)
    by_key = {_key(n): n for n in names}
    return sorted(by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=2,
                                                                cutoff=0.85))


def _resubmission(stem: str, names: set[str]) -> tuple[str, int] | None:
    """(notebook, number) if ``stem`` is a notebook of ``names`` with an LMS's resubmission
    suffix (``ps1-2``, ``ps1 (1)``)."""
    m = _COPY_SUFFIX.match(stem)
    if m and m["stem"] in names:
        return m["stem"], int(m["n"] or m["m"])
    return None


@dataclass
class _File:
    """One file of one student's submission, and the name it is filed under."""
    entry: _Entry
    filename: str  # its name in the submission (after the layout's prefix)
    target: str = ""
    number: int = 0  # resubmission number: the highest wins
    fuzzy: bool = False  # matched to a notebook by a renaming, not by its name


def _released(course: Course, assignment: str | None) -> dict[str, set[str]]:
    """{assignment: its notebook names} for every released assignment; CourseError if
    ``assignment`` is not one of them (with the closest name)."""
    gb = course.gradebook()
    try:
        if assignment is not None:
            course.find_assignment(gb, assignment)
        return {a.name: {nb.name for nb in a.notebooks} for a in gb.assignments}
    finally:
        gb.close()


def _plan(student: str, assign: str, files: list[_File], released: dict[str, set[str]],
          summary: CollectSummary) -> list[_File]:
    """The files of one student's submission to copy, each with its target name; what was
    renamed, skipped or left ambiguous goes to ``summary.problems``."""
    names = released[assign]
    others = {n: a for a, nbs in released.items() if a != assign for n in nbs if n not in names}
    by_target: dict[str, list[_File]] = {}
    for f in files:
        if _name(f, names, others, student, assign, summary):
            by_target.setdefault(f.target, []).append(f)
    return _choose(by_target, f"{student}/{assign}", summary)


def _name(f: _File, names: set[str], others: dict[str, str], student: str, assign: str,
          summary: CollectSummary) -> bool:
    """Set the name ``f`` is filed under (a notebook of the release it stands for, or its own
    name); False if it is skipped, as a notebook of another assignment (``others``: notebook
    name -> assignment)."""
    path = PurePosixPath(f.filename)
    f.target = f.filename
    if path.suffix != ".ipynb" or path.parent != PurePosixPath(".") or path.stem in names:
        return True
    resubmission = _resubmission(path.stem, names)
    candidates = [] if resubmission else _stands_for(path.stem, names)
    if resubmission:
        f.target, f.number = resubmission[0] + ".ipynb", resubmission[1]
    elif len(candidates) == 1:
        f.target, f.fuzzy = candidates[0] + ".ipynb", True
    elif len(candidates) > 1:
        summary.problems.append(Problem(f.entry.path, "ambiguous", (
            f"could be {' or '.join(c + '.ipynb' for c in candidates)}; copied as "
            f"{f.filename} (rename it in submitted/{student}/{assign}/ to grade it)")))
    elif other := _stands_for(path.stem, set(others)):
        owner = ", ".join(sorted({others[o] for o in other}))
        summary.problems.append(Problem(f.entry.path, "other-assignment", (
            f"is a notebook of {owner}, not of {assign}; not copied"), owner))
        return False
    else:
        summary.problems.append(Problem(f.entry.path, "extra-notebook", (
            f"is none of {assign}'s notebooks "
            f"({', '.join(sorted(n + '.ipynb' for n in names))}); copied as it is")))
    return True


def _choose(by_target: dict[str, list[_File]], where: str,
            summary: CollectSummary) -> list[_File]:
    """One file per target name: the notebook of that name, or its latest resubmission, else
    its only renamed copy; other copies keep their own names, and are listed."""
    chosen = []
    for target, group in sorted(by_target.items()):
        named = [f for f in group if not f.fuzzy]
        fuzzy = [f for f in group if f.fuzzy]
        if named:  # the notebook itself (or its latest resubmission) wins
            chosen.append(max(named, key=lambda f: (f.number, f.entry.mtime)))
            if chosen[-1].filename != target:
                summary.problems.append(Problem(chosen[-1].entry.path, "renamed",
                                                f"filed as {target}"))
            for f in fuzzy:
                f.target = f.filename
                chosen.append(f)
                summary.problems.append(Problem(f.entry.path, "duplicate", (
                    f"a copy of {target}, which is also submitted and is the one graded; "
                    f"copied as {f.filename}")))
        elif len(fuzzy) == 1:
            chosen.append(fuzzy[0])
            summary.problems.append(Problem(fuzzy[0].entry.path, "renamed",
                                            f"filed as {target}"))
        else:
            for f in fuzzy:
                f.target = f.filename
                chosen.append(f)
                summary.problems.append(Problem(f.entry.path, "ambiguous", (
                    f"one of {len(fuzzy)} copies of {target} "
                    f"({', '.join(sorted(g.filename for g in fuzzy))}); none chosen, copied as "
                    f"{f.filename} (rename one in submitted/{where}/ to grade it)")))
    return chosen


def _refuse_another_assignment(source: str, assignment: str, planned: list[_File],
                               summary: CollectSummary, names: set[str]) -> None:
    """CourseError if the export is not one of ``assignment``: none of its notebooks is one of
    the release's, or more are named for another released assignment."""
    ours = sum(1 for f in planned if PurePosixPath(f.target).stem in names
               and f.target.endswith(".ipynb"))
    theirs = [p for p in summary.problems if p.kind == "other-assignment"]
    if ours and len(theirs) <= ours:
        return
    found = sorted({PurePosixPath(f.filename).name for f in planned
                    if f.filename.endswith(".ipynb")}
                   | {PurePosixPath(p.path).name for p in theirs})
    others = sorted({p.other for p in theirs})
    raise CourseError(
        f"{source} is not an export of {assignment}: "
        + (f"{len(theirs)} of its notebooks are named for {', '.join(others)}" if theirs
           else "none of its notebooks is one of "
                f"{', '.join(sorted(n + '.ipynb' for n in names))}")
        + (f" (found: {', '.join(found[:5])}{', ...' if len(found) > 5 else ''})" if found else "")
        + "; nothing copied")


def collect(course: Course, source: str, assignment: str | None = None, layout: str = "auto",
            pattern: str | None = None, dry_run: bool = False, out=sys.stdout) -> CollectSummary:
    """File the submissions in ``source`` into ``submitted/`` (see the module docstring)."""
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
    released = _released(course, assignment)
    submissions: dict[tuple[str, str], list[_File]] = {}
    flags: dict[tuple[str, str], set[bool]] = {}  # Canvas's late flag of each submission's files
    for entry in entries:
        found = _match(entry.path, layout, regex, assignment)
        if not found or not found[0] or not found[2]:
            summary.problems.append(Problem(entry.path, "unmatched",
                                            "matches no student; not copied"))
            continue
        student, assign, filename, lms_late = found
        if assignment is not None and assign != assignment:
            continue
        if assign not in released:
            summary.problems.append(Problem(entry.path, "unknown-assignment", (
                f"{assign!r} is not a released assignment of this course; not copied"
                + closest(assign, released))))
            continue
        submissions.setdefault((student, assign), []).append(_File(entry, filename))
        if lms_late is not None:
            flags.setdefault((student, assign), set()).add(lms_late)

    planned = {key: _plan(*key, files, released, summary)
               for key, files in sorted(submissions.items())}
    if assignment is not None:
        _refuse_another_assignment(source, assignment,
                                   [f for files in planned.values() for f in files], summary,
                                   released[assignment])
    late = {key: "Canvas" if any(found) else None for key, found in flags.items()}
    _copy(course, planned, summary, dry_run, late)
    _print(summary, course, source, "pattern" if regex else layout, assignment, dry_run, out)
    return summary


def _copy(course: Course, planned: dict[tuple[str, str], list[_File]], summary: CollectSummary,
          dry_run: bool, late: dict[tuple[str, str], str | None]) -> None:
    """Read every planned file (an unreadable one is skipped, and listed), write the readable
    ones and each submission's ``timestamp.txt`` into a staging folder under ``submitted/``,
    then rename each into place: no file is ever half written, and a student none of whose
    files could be read gets no folder. ``late`` maps a submission to the LMS that marked it
    late (None: the LMS says on time; absent: the export does not say)."""
    submitted = Path(course.coursedir.format_path(course.coursedir.submitted_directory, ".", "."))
    staging = None
    if not dry_run:
        submitted.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".collect-", dir=submitted))
    try:
        ready: list[tuple[Path, Path]] = []  # (staged, destination)
        for (student, assign), files in planned.items():
            newest = None
            for number, f in enumerate(files):
                try:
                    data = f.entry.read()
                except _READ_ERRORS as error:
                    kind = type(error)
                    name = (kind.__name__ if kind.__module__ == "builtins"
                            else f"{kind.__module__}.{kind.__name__}")
                    summary.problems.append(Problem(f.entry.path, "unreadable", (
                        f"could not be read ({name}: {first_line(error)}); not copied")))
                    continue
                summary.copied.setdefault(student, []).append(f.target)
                newest = max(newest or f.entry.mtime, f.entry.mtime)
                if staging is not None:
                    staged = staging / f"{len(ready)}-{number}"
                    staged.write_bytes(data)
                    ready.append((staged, course.folder("submitted", student, assign) / f.target))
            if newest is not None and staging is not None:
                staged = staging / f"{len(ready)}-timestamp"
                staged.write_text(newest.strftime("%Y-%m-%d %H:%M:%S.%f %Z") + "\n")
                ready.append((staged, course.folder("submitted", student, assign)
                              / "timestamp.txt"))
                if late.get((student, assign)):
                    staged = staging / f"{len(ready)}-late"
                    staged.write_text(late[(student, assign)] + "\n")
                    ready.append((staged, lms_late_path(course, student, assign)))
        for staged, dest in ready:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, dest)
        for (student, assign), lms in late.items():  # a resubmission on time clears the flag
            if lms is None and staging is not None and student in summary.copied:
                lms_late_path(course, student, assign).unlink(missing_ok=True)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _print(summary: CollectSummary, course: Course, source: str, layout: str,
           assignment: str | None, dry_run: bool, out) -> None:
    verb = "Would copy" if dry_run else "Copied"
    files = sum(len(v) for v in summary.copied.values())
    print(f"{verb} {files} file(s) for {len(summary.copied)} student(s) from {source} "
          f"({layout} layout) into "
          f"{course.coursedir.submitted_directory}/STUDENT/{assignment or 'ASSIGNMENT'}/.", file=out)
    if not summary.problems:
        return
    skipped = sum(1 for p in summary.problems if p.kind in ATTENTION - {"ambiguous"})
    ambiguous = sum(1 for p in summary.problems if p.kind == "ambiguous")
    counts = [f"{n} {what}" for n, what in ((skipped, "file(s) skipped"),
                                            (ambiguous, "left ambiguous")) if n]
    print(f"{len(summary.problems)} problem(s)"
          + (f" ({', '.join(counts)}; exit status 1)" if counts else " (nothing skipped)")
          + ":", file=out)
    width = max(len(p.kind) for p in summary.problems)
    order = list(PROBLEM_KINDS)
    for p in sorted(summary.problems, key=lambda p: (order.index(p.kind), p.path)):
        print(f"  {p.kind:<{width}}  {p.path}: {p.message}", file=out)
