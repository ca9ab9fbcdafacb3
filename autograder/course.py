"""An nbgrader course directory: its configuration, folders, gradebook and submissions.

Configuration is loaded exactly as the ``nbgrader`` command loads it (Jupyter's config folders,
then ``nbgrader_config.py`` in the working directory and in the course root), so a course keeps
working with both tools.
"""
from __future__ import annotations

import fnmatch
import os
import sys
from pathlib import Path, PurePosixPath

from .spec import AssignmentSpec, GradeCell, Job, NotebookSpec, SourceCell, problem


class CourseError(Exception):
    """Something about the course directory that the instructor must fix (message says what)."""


def only_requested(students: list[str], requested: list[str] | None, missing) -> list[str]:
    """``students``, in their order, restricted to ``requested`` (all of them when it is empty);
    raises CourseError with ``missing(names)`` if a requested student is not among them."""
    if not requested:
        return students
    absent = sorted(set(requested) - set(students))
    if absent:
        raise CourseError(missing(", ".join(absent)))
    return [s for s in students if s in set(requested)]


def ignored(name: str, patterns: list[str]) -> bool:
    """Whether a path matches one of nbgrader's ``CourseDirectory.ignore`` globs."""
    return any(fnmatch.fnmatch(part, pattern) for part in PurePosixPath(name).parts
               for pattern in patterns)


#: The file that makes a folder an nbgrader course directory.
CONFIG_FILE = "nbgrader_config.py"


def not_a_course(path: Path) -> str:
    """Why ``path`` is refused as a course folder, and, if a folder above it is a course, which."""
    message = (f"not a course directory: {path} (no {CONFIG_FILE}); run from the course folder "
               "or pass --course")
    above = next((p for p in path.parents if (p / CONFIG_FILE).is_file()), None)
    return message + (f" (the folder {above} is one)" if above is not None else "")


def closest(name: str, known) -> str:
    """", did you mean X?" for the known name closest to a mistyped ``name`` ("" if none is
    close)."""
    import difflib

    match = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {match[0]}?" if match else ""


class Course:
    """The course rooted at ``root`` (default: the working directory), which must hold an
    ``nbgrader_config.py``; otherwise CourseError, and nothing is created."""

    def __init__(self, root: str | os.PathLike | None = None):
        from nbgrader.apps.baseapp import NbGrader

        root = Path(root or os.getcwd()).resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(not_a_course(root))
        # nbgrader creates a new gradebook with the `alembic` program: make it findable even when
        # this interpreter's virtual environment is not activated.
        bindir = str(Path(sys.executable).parent)
        if bindir not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
        previous = os.getcwd()
        os.chdir(root)
        try:
            app = NbGrader()
            app.log.setLevel("ERROR")
            app.initialize([], root=str(root))
        finally:
            os.chdir(previous)
        self.config = app.config
        self.coursedir = app.coursedir
        self.root = Path(self.coursedir.root)

    # -- folders ---------------------------------------------------------------------------------
    def folder(self, step: str, student: str, assignment: str) -> Path:
        """``<root>/<step>/<student>/<assignment>`` in the course's directory structure."""
        directory = getattr(self.coursedir, f"{step}_directory")
        return Path(self.coursedir.format_path(directory, student, assignment))

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted(self.folder("source", ".", assignment).glob("*.ipynb"))

    def submitted_students(self, assignment: str) -> list[str]:
        """Students with a submission folder for ``assignment``, sorted."""
        submitted = Path(self.coursedir.format_path(self.coursedir.submitted_directory, ".", "."))
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir()
                      if (p / assignment).is_dir() and not p.name.startswith("."))

    # -- gradebook -------------------------------------------------------------------------------
    def gradebook(self):
        """The course's gradebook, which must exist already (``release`` creates it, through
        nbgrader): no command but ``release`` leaves an empty gradebook behind."""
        from nbgrader.api import Gradebook

        url = self.coursedir.db_url
        if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
            raise CourseError(f"no gradebook in {self.root} ({url[len('sqlite:///'):]} does not "
                              "exist): nothing has been released; run `autograder release "
                              "ASSIGNMENT` first")
        return Gradebook(url, self.coursedir.course_id)

    def find_assignment(self, gradebook, assignment: str):
        """The gradebook's record of ``assignment``, or CourseError saying what is there instead:
        an assignment of ``source/`` not released yet, or the released names (the closest one
        suggested)."""
        from nbgrader.api import MissingEntry

        try:
            return gradebook.find_assignment(assignment)
        except MissingEntry:
            pass
        released = [a.name for a in gradebook.assignments]
        if self.source_notebooks(assignment):
            raise CourseError(f"assignment {assignment!r} is not released yet (it is in "
                              f"{self.coursedir.source_directory}/ but not in the gradebook); "
                              f"run `autograder release {assignment}` first")
        raise CourseError(f"no assignment {assignment!r} in this course (released: "
                          f"{', '.join(sorted(released)) or 'none'})"
                          + closest(assignment, released))

    def assignment_spec(self, assignment: str, gradebook=None) -> AssignmentSpec:
        """The master copy of ``assignment`` as the gradebook stored it at release."""
        from nbgrader.utils import find_all_files

        own = gradebook is None
        gb = self.gradebook() if own else gradebook
        try:
            record = self.find_assignment(gb, assignment)
            notebooks = []
            for nb in sorted(record.notebooks, key=lambda n: n.name):
                notebooks.append(NotebookSpec(
                    name=nb.name,
                    kernelspec=nb.kernelspec,
                    source_cells=tuple(SourceCell(c.name, c.cell_type, bool(c.locked), c.source,
                                                  c.checksum) for c in nb.source_cells),
                    grade_cells=tuple(GradeCell(c.name, float(c.max_score), c.cell_type)
                                      for c in nb.grade_cells),
                    solution_cells=tuple(c.name for c in nb.solution_cells),
                    task_cells=tuple(GradeCell(c.name, float(c.max_score), c.cell_type)
                                     for c in nb.task_cells)))
        finally:
            if own:
                gb.close()
        if not notebooks:
            raise CourseError(f"assignment {assignment!r} has no notebooks in the gradebook; "
                              f"run `autograder release {assignment}`")
        source = self.folder("source", ".", assignment)
        exclude = {os.path.join(str(source), x) for x in
                   self._autograde_setting("exclude_overwriting", {}).get(assignment, [])}
        extra = {}
        if source.is_dir():
            for path in find_all_files(str(source), self.coursedir.ignore + ["*.ipynb"]):
                if path not in exclude:
                    extra[os.path.relpath(path, source).replace(os.sep, "/")] = Path(path).read_bytes()
        return AssignmentSpec(assignment, tuple(notebooks), extra, self.config)

    def _autograde_setting(self, name, default):
        section = self.config.get("Autograde", {})
        return section[name] if name in section else default

    # -- submissions -----------------------------------------------------------------------------
    def job(self, spec: AssignmentSpec, student: str, timeout: float) -> Job:
        """Read ``submitted/<student>/<assignment>/`` into a Job (files as bytes).

        Like nbgrader, files matching ``CourseDirectory.ignore`` are left out. Unlike nbgrader,
        symbolic links are never followed and files over ``CourseDirectory.max_file_size``
        kilobytes are not read; both are reported as problems.
        """
        folder = self.folder("submitted", student, spec.name)
        files: dict[str, bytes] = {}
        problems = []
        limit = self.coursedir.max_file_size * 1024
        for dirpath, dirnames, filenames in os.walk(folder):
            rel_dir = os.path.relpath(dirpath, folder)
            dirnames[:] = sorted(d for d in dirnames
                                 if not ignored(d, self.coursedir.ignore)
                                 and not os.path.islink(os.path.join(dirpath, d)))
            for name in sorted(filenames):
                rel = os.path.normpath(os.path.join(rel_dir, name)).replace(os.sep, "/")
                path = os.path.join(dirpath, name)
                if ignored(rel, self.coursedir.ignore):
                    continue
                if os.path.islink(path):
                    problems.append(problem("skipped-file", f"{rel} is a symbolic link; not copied"))
                    continue
                if os.path.getsize(path) > limit:
                    problems.append(problem("skipped-file", f"{rel} is larger than "
                                            f"{self.coursedir.max_file_size} kB; not copied"))
                    continue
                files[rel] = Path(path).read_bytes()
        return Job(assignment=spec, student=student, files=files, timeout=timeout,
                   problems=problems)

    def timestamp(self, student: str, assignment: str):
        """The submission time from ``timestamp.txt``, as nbgrader reads it (None if absent)."""
        return self.coursedir.get_existing_timestamp(str(self.folder("submitted", student,
                                                                     assignment)))
