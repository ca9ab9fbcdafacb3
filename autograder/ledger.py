"""Record graded submissions in nbgrader's gradebook, one atomic transaction per submission.

The gradebook keeps nbgrader's schema untouched (``nbgrader export``, the formgrader and
``nbgrader db upgrade`` see nothing new in their tables). Beside them, one extra table,
``autograder_graded``, says which submission was graded from which exact files against which
version of the assignment, and what problems it had. A submission's scores, comments, late
penalty and its ``autograder_graded`` row are committed in one SQLite transaction, so after any
interruption (Ctrl-C, ``kill -9``, a power cut) a submission is either completely recorded or not
at all: a resumed run grades exactly those that are not, and a submission whose files or
assignment changed since is graded again. Ctrl-C waits for the transaction under way
(``interrupts_deferred``), and one ``grade`` at a time writes a course (``grading_lock``).
"""
from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import signal
import tempfile
import threading
import warnings
from pathlib import Path

import sqlalchemy as sa

from .course import CourseError
from .spec import AssignmentSpec, Job

_metadata = sa.MetaData()
graded_table = sa.Table(
    "autograder_graded", _metadata,
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("files_sha256", sa.String(64), nullable=False),
    sa.Column("assignment_sha256", sa.String(64), nullable=False),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("graded_at", sa.String(32), nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("problems", sa.Text, nullable=False),  # JSON list
)
#: Submissions whose grading failed for a reason outside the student's control (see
#: ``spec.NOT_GRADED_KINDS``): listed until a run grades them, never scored.
not_graded_table = sa.Table(
    "autograder_not_graded", _metadata,
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("run_id", sa.String(64), nullable=False),
    sa.Column("failed_at", sa.String(32), nullable=False),
    sa.Column("problems", sa.Text, nullable=False),  # JSON list
)


def ensure_table(gradebook) -> None:
    """Create ``autograder_graded`` and ``autograder_not_graded`` in an existing gradebook
    (nbgrader has created its own)."""
    _metadata.create_all(gradebook.engine, checkfirst=True)


def graded(gradebook, assignment: str) -> dict[str, dict]:
    """{student: row} for every submission of ``assignment`` recorded as graded."""
    ensure_table(gradebook)
    rows = gradebook.db.execute(sa.select(graded_table).where(
        graded_table.c.assignment == assignment)).mappings().all()
    return {row["student"]: dict(row) for row in rows}


def not_graded(gradebook, assignment: str) -> dict[str, dict]:
    """{student: row} for every submission of ``assignment`` whose last grading failed for a
    reason outside the student's control, and that no run has graded since."""
    ensure_table(gradebook)
    rows = gradebook.db.execute(sa.select(not_graded_table).where(
        not_graded_table.c.assignment == assignment)).mappings().all()
    return {row["student"]: dict(row) for row in rows}


def recorded_by_run(gradebook, assignment: str, run_id: str) -> int:
    """How many submissions of ``assignment`` the run ``run_id`` recorded as graded."""
    ensure_table(gradebook)
    return gradebook.db.execute(sa.select(sa.func.count()).select_from(graded_table).where(
        sa.and_(graded_table.c.assignment == assignment,
                graded_table.c.run_id == run_id))).scalar_one()


def all_problems(gradebook) -> list[dict]:
    """Every recorded problem, across assignments, sorted by assignment and student; those of
    submissions not graded (yet) carry ``"not_graded": True``."""
    ensure_table(gradebook)
    out = []
    for table, extra in ((graded_table, {}), (not_graded_table, {"not_graded": True})):
        rows = gradebook.db.execute(sa.select(table)).mappings().all()
        for row in rows:
            for item in json.loads(row["problems"]):
                out.append({"assignment": row["assignment"], "student": row["student"],
                            **item, **extra})
    return sorted(out, key=lambda item: (item["assignment"], item["student"]))


class CourseBusy(CourseError):
    """Another process holds the course's grading lock (the message names it)."""


#: The lock file in the course folder; it holds who locked it, for the message a second run sees.
LOCK_FILE = ".autograder-grade.lock"


@contextlib.contextmanager
def grading_lock(course, what: str):
    """Hold the course's grading lock while the body runs, or raise CourseBusy naming the
    process that holds it (its pid, its command and when it started).

    The lock is ``fcntl.flock`` on ``<course>/.autograder-grade.lock``: the kernel releases it
    when its holder exits, however it exits (``kill -9`` included), so a stale lock file never
    blocks anyone; what the file says is only for the message. Grading processes are started
    with ``spawn`` (``autograder.executors``) and do not inherit the descriptor."""
    import fcntl

    path = Path(course.root) / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
            raise CourseBusy(f"another `autograder grade` is running on the course {course.root} "
                             f"({holder}); wait for it to finish, or stop it, and run this "
                             "command again") from None
        started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, `autograder {what}`, started {started}\n".encode(),
                  0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def interrupts_deferred():
    """Run the body with Ctrl-C (SIGINT) held back, and raise KeyboardInterrupt after it if one
    arrived: a transaction is never cut off half-way through the database driver's commit,
    which leaves the session unusable. Outside the main thread, where no signal lands, it does
    nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def write_autograded_folder(course, job: Job, result: dict) -> None:
    """Write ``autograded/<student>/<assignment>/`` as nbgrader does: the submitted non-notebook
    files, the instructor's extra files over them, and the executed notebooks, read-only.

    The folder is built beside its destination and renamed into place, so it is never half
    written."""
    dest = course.folder("autograded", job.student, job.assignment.name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{job.assignment.name}-", dir=dest.parent))
    try:
        for layer in (job.files, job.assignment.extra_files):
            for name, data in layer.items():
                if layer is job.files and name.endswith(".ipynb"):
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    target.unlink()
                target.write_bytes(data)
        for name, outcome in result["notebooks"].items():
            if outcome.get("executed") is not None:
                (staging / f"{name}.ipynb").write_text(outcome["executed"], encoding="utf-8")
        permissions = 0o664 if course.coursedir.groupshared else 0o444
        for dirpath, _, filenames in os.walk(staging):
            for filename in filenames:
                os.chmod(os.path.join(dirpath, filename), permissions)
        os.chmod(staging, 0o755)
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def record(course, gradebook, spec: AssignmentSpec, job: Job, result: dict, run_id: str,
           late_penalties) -> None:
    """Store one graded submission: scores, comments, late penalty and the completion row, in a
    single transaction (see the module docstring), which Ctrl-C does not cut short (it takes
    effect once the submission is recorded)."""
    with interrupts_deferred():
        _record(course, gradebook, spec, job, result, run_id, late_penalties)


def _record(course, gradebook, spec: AssignmentSpec, job: Job, result: dict, run_id: str,
            late_penalties) -> None:
    write_autograded_folder(course, job, result)
    gb = gradebook
    assignment, student = spec.name, job.student
    gb.update_or_create_student(student)
    timestamp = course.timestamp(student, assignment)
    with warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush warning on every new submission
        # (plain `nbgrader autograde` prints it too); the rows it creates are correct
        warnings.filterwarnings("ignore", message=".*not in session", category=sa.exc.SAWarning)
        if timestamp is not None:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)
    try:
        for nb in spec.notebooks:
            notebook = gb.find_submission_notebook(nb.name, assignment, student)
            outcome = result["notebooks"].get(nb.name)
            for grade in notebook.grades:
                if outcome is None:  # not submitted: nbgrader gives 0 and needs no review
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
                    continue
                if grade.name in outcome["grades"]:
                    grade.auto_score = outcome["grades"][grade.name]
                grade.needs_manual_grade = bool(outcome.get("needs_review")
                                                or grade.name in outcome.get("review", ())
                                                or grade.manual_score is not None
                                                or grade.auto_score is None)
            if outcome is not None:
                for comment in notebook.comments:
                    if comment.name in outcome["comments"]:
                        comment.auto_comment = outcome["comments"][comment.name]
            gb.db.flush()
            late_penalties.apply(gb, assignment, student, nb.name)
        _forget(gb, assignment, student)
        gb.db.execute(sa.insert(graded_table).values(
            assignment=assignment, student=student,
            files_sha256=job.fingerprint(), assignment_sha256=spec.fingerprint(),
            run_id=run_id, graded_at=datetime.datetime.now(datetime.timezone.utc).isoformat(),
            seconds=float(result.get("seconds", 0.0)),
            problems=json.dumps(result["problems"])))
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise


def record_not_graded(gradebook, spec: AssignmentSpec, job: Job, result: dict,
                      run_id: str) -> None:
    """Store that ``job``'s grading failed for a reason outside the student's control: no score,
    no autograded folder, and no longer graded (so that a plain rerun grades it again); only
    its problems, listed until then. Scores of an earlier grading stay in the gradebook."""
    gb = gradebook
    with interrupts_deferred():
        try:
            _forget(gb, spec.name, job.student)
            gb.db.execute(sa.insert(not_graded_table).values(
                assignment=spec.name, student=job.student, run_id=run_id,
                failed_at=datetime.datetime.now(datetime.timezone.utc).isoformat(),
                problems=json.dumps(result["problems"])))
            gb.db.commit()
        except BaseException:
            gb.db.rollback()
            raise


def _forget(gb, assignment: str, student: str) -> None:
    """Delete the ledger's rows of one submission (inside the caller's transaction)."""
    for table in (graded_table, not_graded_table):
        gb.db.execute(sa.delete(table).where(sa.and_(table.c.assignment == assignment,
                                                     table.c.student == student)))


class LatePenalties:
    """nbgrader's ``AssignLatePenalties`` logic, run in the parent against the real gradebook
    (with the course's configured ``plugin_class``)."""

    def __init__(self, config):
        from nbgrader.preprocessors import AssignLatePenalties

        self.preprocessor = AssignLatePenalties(config=config)
        self.preprocessor.init_plugin()

    def apply(self, gb, assignment: str, student: str, notebook_name: str) -> None:
        submission = gb.find_submission(assignment, student)
        notebook = gb.find_submission_notebook(notebook_name, assignment, student)
        gb.db.refresh(notebook, ["score"])  # recompute the score from the grades just flushed
        notebook.late_submission_penalty = None
        if submission.total_seconds_late > 0:
            penalty = self.preprocessor.plugin_inst.late_submission_penalty(
                student, notebook.score, submission.total_seconds_late)
            if penalty is not None:
                notebook.late_submission_penalty = self.preprocessor._check_late_penalty(
                    notebook, penalty)
