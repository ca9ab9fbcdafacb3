"""``autograder grade``: grade every submission of an assignment, in parallel, resumably.

The parent process reads the submissions, hands them to an executor as self-contained Jobs, and
records each Result in the gradebook as soon as it arrives (see ``autograder.ledger``); it is the
only process that writes the gradebook. Submissions already recorded with the same files and the
same version of the assignment are skipped, so rerunning after an interruption finishes the job,
and rerunning after a late submission grades only that one.

No silent zero: a submission whose grading failed for a reason outside the student's control
(a worker killed, the kernel unable to start, the grader's own time limit: see
``spec.NOT_GRADED_KINDS``) is recorded as *not graded*, with no score, listed in the summary and
in problems.json, and graded by the next plain rerun; and before anyone is graded, a trivial
notebook must run in the sandbox (``autograder.preflight``).
"""
from __future__ import annotations

import json
import sys
import time
import uuid
from dataclasses import dataclass, field

from . import lateness
from .course import Course, only_requested
from .ledger import (LatePenalties, all_problems, ensure_table, graded, not_graded, record,
                     record_not_graded, recorded_by_run)
from .spec import AssignmentSpec, Job, not_graded_reason


@dataclass
class GradeSummary:
    assignment: str
    run_id: str
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)  # failed, not the student's doing
    still_not_graded: list[str] = field(default_factory=list)  # from an earlier run, not retried
    problems: list[dict] = field(default_factory=list)  # from this run
    late: dict = field(default_factory=dict)  # student -> lateness.Lateness, late ones only
    seconds: float = 0.0
    executor: str = ""


class GradingInterrupted(KeyboardInterrupt):
    """Ctrl-C while grading, after this run recorded ``graded`` submissions."""

    def __init__(self, graded: int):
        super().__init__(graded)
        self.graded = graded


def grade(course: Course, assignment: str, *, executor, timeout: float = 300.0,
          students: list[str] | None = None, force: bool = False, progress: bool = True,
          fork_kernels: bool = True, sandbox: bool = True, out=sys.stdout) -> GradeSummary:
    """Grade the submissions of ``assignment`` (all of them, or only ``students``).

    With ``sandbox`` (the default; see ``autograder.sandbox``) every notebook runs in its own
    sandbox and the checked parts are scored in isolation; where no sandbox can start, or a
    trivial notebook cannot run in one (``autograder.preflight``), this raises
    ``SandboxUnavailable`` before grading anything. ``sandbox=False`` is for
    submissions one trusts (one's own solutions, measuring the sandbox's cost), never a class.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be positive seconds, got {timeout}")
    if sandbox:
        _check_sandbox(course)
        compile_sandbox_sources()
    started = time.monotonic()
    summary = GradeSummary(assignment, run_id=uuid.uuid4().hex, executor=executor.describe())
    gb = course.gradebook()
    try:
        ensure_table(gb)
        spec = course.assignment_spec(assignment, gb)
        jobs = _jobs_to_grade(course, spec, gb, _chosen_students(course, assignment, students),
                              timeout, force, summary)
        for job in jobs:
            job.fork_kernels, job.sandbox = fork_kernels, sandbox
        if sandbox and jobs:
            from .preflight import check as preflight

            preflight()  # a sandbox that fails everyone alike stops us here, not as zeros
        _announce(summary, len(jobs), sandbox, out)
        _grade_and_record(course, gb, spec, executor, jobs, summary, progress)
        recorded = {p["student"] for p in all_problems(gb) if p["assignment"] == assignment}
        summary.still_not_graded = sorted(set(not_graded(gb, assignment))
                                          - set(summary.not_graded))
    finally:
        gb.close()
    summary.seconds = time.monotonic() - started
    _print_summary(summary, course, out, recorded)
    return summary


def _chosen_students(course: Course, assignment: str, students: list[str] | None) -> list[str]:
    """The students with a submission of ``assignment``, or those of ``students`` (each must
    have one)."""
    return only_requested(
        course.submitted_students(assignment), students,
        lambda names: f"no submission of {assignment!r} from {names} in "
                      f"{course.coursedir.submitted_directory}/")


def _jobs_to_grade(course: Course, spec: AssignmentSpec, gb, students: list[str], timeout: float,
                   force: bool, summary: GradeSummary) -> list[Job]:
    """A Job for each of ``students`` whose submission is not recorded as graded from the same
    files against the same version of the assignment (unless ``force``); the others go to
    ``summary.skipped``."""
    done = graded(gb, spec.name)  # a submission not graded has no row here: it is graded again
    fingerprint = spec.fingerprint()
    jobs = []
    for student in students:
        job = course.job(spec, student, timeout)
        previous = done.get(student)
        if (not force and previous is not None
                and previous["files_sha256"] == job.fingerprint()
                and previous["assignment_sha256"] == fingerprint):
            summary.skipped.append(student)
        else:
            jobs.append(job)
    return jobs


def _announce(summary: GradeSummary, count: int, sandbox: bool, out) -> None:
    print(f"Grading {count} submission(s) of {summary.assignment} with {summary.executor}"
          + (f"; {len(summary.skipped)} already graded, skipped" if summary.skipped else "")
          + ".", file=out, flush=True)
    if sandbox:
        from .sandbox import describe

        print(f"Each notebook runs in its own sandbox ({describe()}); checked parts are "
              "scored in isolation.", file=out, flush=True)
    else:
        print("WARNING: grading WITHOUT the sandbox (--no-sandbox): each notebook can read "
              "and write anything this user can, and its test cells score themselves. Use "
              "this only for submissions you trust.", file=out, flush=True)


def _grade_and_record(course: Course, gb, spec: AssignmentSpec, executor, jobs: list[Job],
                      summary: GradeSummary, progress: bool) -> None:
    """Run ``jobs`` on ``executor`` and record each result in the gradebook as it arrives."""
    late = LatePenalties(course.config)
    bar = _progress(len(jobs), summary.assignment, progress)
    try:
        for job, result in executor.run(jobs):
            if not_graded_reason(result):
                record_not_graded(gb, spec, job, result, summary.run_id)
                summary.not_graded.append(job.student)
            else:
                record(course, gb, spec, job, result, summary.run_id, late)
                summary.graded.append(job.student)
                submission_lateness = lateness.of_submission(
                    gb.find_submission(spec.name, job.student),
                    lateness.lms_flag(course, job.student, spec.name))
                if submission_lateness.late:
                    summary.late[job.student] = submission_lateness
            for item in result["problems"]:
                summary.problems.append({"student": job.student, **item})
            bar.update(1)
            bar.set_postfix(problems=len({p["student"] for p in summary.problems}),
                            refresh=False)
    except KeyboardInterrupt:  # ledger.record lets no submission be cut short
        raise GradingInterrupted(_recorded_by(course, spec.name, summary.run_id)) from None
    finally:
        bar.close()
        _save_problems(course)  # also after Ctrl-C: everything recorded so far


def _check_sandbox(course: Course) -> None:
    """Refuse to grade where the sandbox cannot start, or would show the course to students."""
    from . import sandbox
    from .course import CourseError
    from .sandbox_kernel import kernel_sources
    from .trusted.scoring import trusted_sources

    sandbox.check_available()
    root = course.root.resolve()
    for visible in sandbox.visible_paths(kernel_sources() + trusted_sources()):
        if root == visible or visible in root.parents:
            raise CourseError(f"the course folder {root} is inside {visible}, which every "
                              "grading sandbox can read; move the course out of it")


def compile_sandbox_sources() -> None:
    """Write the bytecode of the packages that every sandbox imports (the checks, the mistakes,
    nnlib, the trusted runner), so that no sandbox compiles them again.

    A sandbox sees them read-only and cannot save what it compiles; and with
    ``PYTHONDONTWRITEBYTECODE`` set, nothing else does either, so each of the two sandboxes of
    every notebook would compile them afresh. Up-to-date files are left alone; a folder the
    grader cannot write (an installed package, usually compiled already) is skipped."""
    import compileall

    from .sandbox_kernel import kernel_sources
    from .trusted.scoring import trusted_sources

    for source in dict.fromkeys(kernel_sources() + trusted_sources()):
        try:
            if source.is_dir():
                compileall.compile_dir(source, quiet=2)
            elif source.suffix == ".py":
                compileall.compile_file(source, quiet=2)
        except OSError:
            continue


def _progress(total: int, assignment: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"grading {assignment}", unit="nb", disable=not enabled,
                dynamic_ncols=True, file=sys.stderr, smoothing=0.1)


def problems_path(course: Course):
    return course.root / course.coursedir.autograded_directory / "problems.json"


def _recorded_by(course: Course, assignment: str, run_id: str) -> int:
    """How many submissions the run ``run_id`` recorded, read through a connection of its own
    (an interruption may have left the grading's session needing a rollback)."""
    gb = course.gradebook()
    try:
        return recorded_by_run(gb, assignment, run_id)
    finally:
        gb.close()


def _save_problems(course: Course) -> None:
    """Write problems.json from the gradebook, read through a connection of its own (so that
    whatever an interruption did to the grading's session, the file says what is recorded)."""
    gb = course.gradebook()
    try:
        problems = all_problems(gb)
    finally:
        gb.close()
    path = problems_path(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(problems, indent=1) + "\n")
    tmp.replace(path)


def _print_summary(summary: GradeSummary, course: Course, out, recorded: set[str]) -> None:
    rate = len(summary.graded) / summary.seconds if summary.seconds > 0 else 0.0
    print(f"Graded {len(summary.graded)} submission(s) of {summary.assignment} in "
          f"{summary.seconds:.1f} s ({rate:.2f}/s).", file=out)
    if summary.problems:
        students = sorted({p["student"] for p in summary.problems})
        print(f"Problems in {len(students)} submission(s) (all recorded problems are in "
              f"{problems_path(course).relative_to(course.root)}):", file=out)
        width = max(len(s) for s in students)
        for item in sorted(summary.problems, key=lambda p: (p["student"], p["kind"])):
            where = item.get("notebook") or ""
            message = item["message"].splitlines()[0]
            print(f"  {item['student']:<{width}}  {item['kind']:<18} {where:<14} {message}",
                  file=out)
    else:
        print("No problems found in this run.", file=out)
    if summary.late:
        print(f"Late: {len(summary.late)} submission(s) (after the due date; the penalty is "
              "taken off the score everywhere):", file=out)
        width = max(len(s) for s in summary.late)
        for student, late in sorted(summary.late.items()):
            print(f"  {student:<{width}}  late by {late.describe():<12}  penalty {late.penalty:g}",
                  file=out)
    if summary.not_graded:
        print(f"NOT GRADED: {len(summary.not_graded)} submission(s) could not be graded, for a "
              "reason outside the students' control (listed above); nothing was recorded for "
              f"them. Run the same command again to grade them: "
              f"{', '.join(sorted(summary.not_graded))}.", file=out)
    if summary.still_not_graded:
        print(f"NOT GRADED: {len(summary.still_not_graded)} submission(s) failed in an earlier "
              f"run and are still not graded (see "
              f"{problems_path(course).relative_to(course.root)}): "
              f"{', '.join(summary.still_not_graded)}.", file=out)
    earlier = recorded - {p["student"] for p in summary.problems} - set(summary.still_not_graded)
    if earlier:
        print(f"{len(earlier)} submission(s) graded earlier have problems recorded: see "
              f"{problems_path(course).relative_to(course.root)}.", file=out)
