"""The ``autograder`` command: one subcommand per step of running a class with nbgrader.

    autograder release ASSIGNMENT        make the student version (nbgrader generate_assignment)
    autograder practice ASSIGNMENT       (before a term) a practice class's submissions, as a zip
    autograder collect SOURCE            file an LMS export (folder or zip) into submitted/
    autograder grade ASSIGNMENT          grade every submission in parallel, resumably
    autograder feedback ASSIGNMENT       one HTML feedback page per student, with hints
    autograder export                    grades as CSV, one row per student and assignment
    autograder report ASSIGNMENT         a class report: one HTML page with plots
    autograder check NOTEBOOK            (learners) run the visible tests and see a summary

Every command but ``check`` works in an nbgrader course directory (one with an
``nbgrader_config.py``): the working directory, or ``--course DIR``; anywhere else it stops
before creating anything. ``autograder COMMAND --help`` explains each.
"""
from __future__ import annotations

import argparse
import os
import sys


def _course(args):
    from .course import Course

    return Course(args.course)


def cmd_release(args) -> int:
    from .release import release

    release(_course(args), args.assignment, zip_path=args.zip, out=sys.stdout)
    return 0


def cmd_practice(args) -> int:
    from .practice import practice_class, write_canvas_zip

    students = practice_class(args.course, args.assignment, args.students, seed=args.seed)
    write_canvas_zip(students, args.output)
    print(f"Wrote {args.output}: {len(students)} practice submission(s) of {args.assignment}, "
          "as Canvas exports them")
    for student, submission in students.items():
        print(f"  {student:<10} {submission.kind:<15} "
              f"{submission.mistake or submission.description}")
    return 0


def cmd_collect(args) -> int:
    from .collect import collect

    summary = collect(_course(args), args.source, assignment=args.assignment,
                      layout=args.layout, pattern=args.pattern, dry_run=args.dry_run,
                      out=sys.stdout)
    return 1 if summary.needs_attention or (args.strict and summary.renamed) else 0


def cmd_grade(args) -> int:
    from .executors import make_executor
    from .grading import GradingInterrupted, grade
    from .ledger import grading_lock

    executor = make_executor(args.executor, args.workers, args.scheduler)
    course = _course(args)
    try:
        with grading_lock(course, f"grade {args.assignment}"):
            summary = grade(course, args.assignment, executor=executor,
                            timeout=args.timeout, students=args.student or None,
                            force=args.force, progress=not args.no_progress,
                            fork_kernels=not args.fresh_kernels, sandbox=not args.no_sandbox,
                            out=sys.stdout)
    except KeyboardInterrupt as interrupt:  # every submission recorded so far is kept
        graded = (f"{interrupt.graded} graded, " if isinstance(interrupt, GradingInterrupted)
                  else "")
        print(("" if args.no_progress else "\n") + f"interrupted; {graded}rerun to continue",
              file=sys.stderr)
        return 130
    return 1 if summary.not_graded else 0  # some submissions still need a run


def cmd_feedback(args) -> int:
    from .feedback import generate_feedback

    generate_feedback(_course(args), args.assignment, students=args.student or None,
                      workers=args.workers, out=sys.stdout)
    return 0


def cmd_export(args) -> int:
    from .export import export_csv

    export_csv(_course(args), args.output, assignments=args.assignment or None,
               force=args.force, out=sys.stdout)
    return 0


def cmd_report(args) -> int:
    from .report import write_report

    write_report(_course(args), args.assignment, args.output, out=sys.stdout)
    return 0


def cmd_check(args) -> int:
    from .selfcheck import check_notebook

    report = check_notebook(args.notebook, timeout=args.timeout, out=sys.stdout)
    return 0 if report.passed else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograder",
        description="Release, collect, grade, give feedback on, export and report on nbgrader "
                    "assignments; and, for learners, check a notebook before submitting it.",
        epilog="Run `autograder COMMAND --help` for the options of a command.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def course_option(p):
        p.add_argument("--course", metavar="DIR", default=None,
                       help="the nbgrader course directory (default: the working directory)")

    def command(name, run, *, help, description, assignment=True, course=True):
        """A subcommand that calls ``run(args)``; most take an ASSIGNMENT and --course."""
        p = commands.add_parser(name, help=help, description=description)
        if assignment:
            p.add_argument("assignment", metavar="ASSIGNMENT")
        if course:
            course_option(p)
        p.set_defaults(run=run)
        return p

    p = command(
        "release", cmd_release, help="make the student version of an assignment",
        description="Make the student version of ASSIGNMENT from source/ASSIGNMENT/ into "
                    "release/ASSIGNMENT/ (solutions and hidden tests removed) and record its "
                    "graded cells in the gradebook, as `nbgrader generate_assignment` does.")
    p.add_argument("--zip", metavar="FILE", default=None,
                   help="also write the student version as a zip, ready to upload to an LMS")

    p = command(
        "practice", cmd_practice,
        help="make a practice class's submissions, to try the other commands on",
        description="Write a Canvas-style zip of STUDENTS submissions of a released ASSIGNMENT: "
                    "the instructor's solution, the blank release, the solution with each "
                    "known mistake of the course's bank, and broken notebooks (invalid JSON, a "
                    "duplicated test cell, an emptied test cell, an endless loop).")
    p.add_argument("--students", type=int, default=12, metavar="N",
                   help="how many submissions (default: 12)")
    p.add_argument("--output", "-o", metavar="FILE", default="practice-export.zip",
                   help="where to write the zip (default: practice-export.zip)")
    p.add_argument("--seed", type=int, default=0, help="which random class (default: 0)")

    p = command(
        "collect", cmd_collect, help="file submissions from an LMS export into submitted/",
        description="Copy submitted notebooks from SOURCE (a folder or a .zip) into "
                    "submitted/STUDENT/ASSIGNMENT/. Recognised layouts: nbgrader's own "
                    "(STUDENT/ASSIGNMENT/NOTEBOOK.ipynb), one folder per student "
                    "(STUDENT/NOTEBOOK.ipynb), Canvas (STUDENT_[LATE_]ID_ID_NOTEBOOK.ipynb, "
                    "with Canvas's -1, -2 resubmission suffixes), and Moodle "
                    "(Full Name_ID_assignsubmission_file_/NOTEBOOK.ipynb). Everything is "
                    "checked before anything is copied: the assignment must be released; "
                    "notebooks are matched to the release's names (a renamed copy is mapped "
                    "when that is unambiguous); an export that holds no notebook of the "
                    "assignment is refused; unreadable files are skipped, the rest copied. "
                    "Every problem is listed at the end; the exit status is 1 if a file was "
                    "skipped or left ambiguous, 2 if nothing was copied.", assignment=False)
    p.add_argument("source", metavar="SOURCE", help="a folder or a .zip file")
    p.add_argument("--assignment", metavar="ASSIGNMENT", default=None,
                   help="the assignment (needed unless SOURCE uses nbgrader's layout)")
    p.add_argument("--layout", choices=["auto", "nbgrader", "folders", "canvas", "moodle"],
                   default="auto", help="how SOURCE names students (default: detect)")
    p.add_argument("--pattern", metavar="REGEX", default=None,
                   help="a regular expression with groups (?P<student>...) and (?P<file>...) "
                        "matched against each path in SOURCE (overrides --layout)")
    p.add_argument("--dry-run", action="store_true", help="show what would be copied")
    p.add_argument("--strict", action="store_true",
                   help="also exit with status 1 when a notebook had to be renamed to the "
                        "release's name (without it, only for files skipped or left ambiguous)")

    p = command(
        "grade", cmd_grade, help="grade every submission of an assignment, in parallel",
        description="Grade every submission in submitted/*/ASSIGNMENT/ with nbgrader's own "
                    "preprocessors, each notebook in its own folder and kernel, several at once. "
                    "Scores go to the gradebook as each submission finishes, so an interrupted "
                    "run resumes where it stopped; submissions already graded from the same "
                    "files are skipped. Malformed submissions are graded as far as possible and "
                    "listed, with the reason, in autograded/problems.json. A submission whose "
                    "grading failed for a reason outside the student's control (a worker "
                    "killed, a kernel that could not start) is not graded, not scored 0: it is "
                    "listed as NOT GRADED, the command exits with status 1, and a rerun grades "
                    "it. One `grade` at a time runs on a course: a second one stops with a "
                    "message naming the first.")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="grading processes (default: one per core)")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="seconds each notebook may run, from kernel start to its last cell "
                        "(default: 300); each cell also has nbgrader's Execute.timeout")
    p.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local process pool (default) or a Dask distributed cluster")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --executor "
                        "dask; without it a local Dask cluster is started)")
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student (repeatable)")
    p.add_argument("--force", action="store_true",
                   help="grade again submissions that are already graded")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="with --no-sandbox: start every kernel as a new Python process instead "
                        "of forking it from a warm kernel process (slower; see "
                        "autograder/kernels.py). Sandboxed kernels always start fresh")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run notebooks without the sandbox and score test cells in the notebook "
                        "only (as plain nbgrader does): ONLY for submissions you trust, e.g. "
                        "your own solutions. By default every notebook runs in a bubblewrap "
                        "sandbox and checked parts are scored in isolation; grading stops with "
                        "an error where no sandbox can start")

    p = command(
        "feedback", cmd_feedback, help="write HTML feedback for each student",
        description="Write feedback/STUDENT/ASSIGNMENT/NOTEBOOK.html for every graded "
                    "submission (nbgrader's feedback page), headed by a summary of each part's "
                    "score and, for each failed part, the hint for the mistake it recognised.")
    p.add_argument("--student", action="append", metavar="ID",
                   help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes rendering pages (default: one per core for 50 or more "
                        "students, else one)")

    p = command(
        "export", cmd_export, help="write grades as CSV",
        description="Write one CSV row per student and assignment: student_id, assignment, "
                    "score, max_score, late_penalty, then one column per graded part. Students "
                    "without a submission get a score of 0 and empty parts.", assignment=False)
    p.add_argument("--output", "-o", metavar="FILE", default="grades.csv",
                   help="where to write (default: grades.csv; '-' for standard output)")
    p.add_argument("--assignment", action="append", metavar="ASSIGNMENT",
                   help="only this assignment (repeatable; default: all)")
    p.add_argument("--force", action="store_true",
                   help="replace FILE even with an export that has no grades in it")

    p = command(
        "report", cmd_report, help="a class report for an assignment, as one HTML page",
        description="Write one self-contained HTML page: the score distribution, each part's "
                    "success rate, the known mistakes the class made most often (with counts "
                    "and the hint each gets), and the problems found while grading.")
    p.add_argument("--output", "-o", metavar="FILE", default=None,
                   help="where to write (default: reports/ASSIGNMENT.html in the course)")

    p = command(
        "check", cmd_check, help="(learners) run the visible tests of your notebook",
        description="Run NOTEBOOK from top to bottom in a fresh kernel (your file is not "
                    "changed) and show, for each graded part, whether its visible tests pass, "
                    "with a hint where a known mistake is recognised. Passing the visible tests "
                    "does not guarantee full marks: the grader also runs hidden tests.",
        assignment=False, course=False)
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="seconds the whole notebook may run (default: 300)")
    return parser


def main(argv: list[str] | None = None) -> int:
    from .startup import skip_iri_parsers

    skip_iri_parsers()
    args = build_parser().parse_args(argv)
    from .course import CourseError
    from .executors import SchedulerLost
    from .sandbox import SandboxUnavailable

    try:
        return args.run(args)
    except (CourseError, ValueError, FileNotFoundError, SandboxUnavailable,
            SchedulerLost) as error:
        print(f"autograder {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
