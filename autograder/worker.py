"""Grade one submission: a pure function from a Job to a Result, run away from the parent.

``grade_submission(job)`` does, for each notebook of the assignment, what ``nbgrader autograde``
does for it, with nbgrader's own preprocessors (see ``autograder.preprocessors``):

1. read the submitted notebook; compare it with the master copy and repair what would stop
   grading (``autograder.integrity``);
2. sanitize: clear outputs, de-duplicate ids, restore the kernelspec, locked cells and points;
3. execute it in a fresh kernel, in a private temporary folder that holds the submitted files
   with the instructor's extra files copied over them (nbgrader's layout), with
   ``NBGRADER_EXECUTION=autograde`` set as nbgrader sets it;
4. score every grade cell with nbgrader's ``determine_grade``;
5. score the test cells that only call ``autograder.checks.check`` again, in isolation, on
   the grader's own inputs (``autograder.trusted``, in a second sandbox that runs while the
   kernel of step 3 does): those scores replace the notebook's.

With ``job.sandbox`` (the default) the kernel runs in a sandbox (``autograder.sandbox_kernel``)
that sees only the submission's files, read-only; the notebook with its hidden tests stays in
this process, and only its cells reach the kernel, one at a time.

It reads nothing but the Job and writes nothing but its temporary folder, and returns plain data:
the executed notebooks, their scores and comments, and a list of problems. The parent process
records that in the gradebook (only the parent writes it).

Run as a program, ``python -m autograder.worker JOB RESULT`` reads a pickled Job from the file
JOB and writes the Result as JSON to RESULT: the form a sandbox can wrap around one submission.
"""
from __future__ import annotations

import copy
import json
import os
import pickle
import socket
import sys
import tempfile
import time
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from .spec import Job, NotebookSpec, first_line, problem


def grade_submission(job: Job) -> dict:
    """Grade every notebook of ``job``; never raises for anything wrong with the submission."""
    started = time.monotonic()
    result = {"assignment": job.assignment.name, "student": job.student, "notebooks": {},
              "missing": [], "problems": list(job.problems), "seconds": 0.0,
              "host": socket.gethostname(), "pid": os.getpid()}
    with warnings.catch_warnings(), tempfile.TemporaryDirectory(prefix=_tmp_prefix()) as tmp:
        warnings.simplefilter("ignore")  # nbformat/nbgrader warnings go to the problems list
        tmp = Path(tmp)
        work = tmp / job.assignment.name  # the submission's files (no notebook): the kernel's
        work.mkdir()
        _write_files(work, job)
        runtime = tmp / ".runtime"  # kernel connection files stay private to this submission
        runtime.mkdir(mode=0o700)
        with _environment(NBGRADER_EXECUTION="autograde", JUPYTER_RUNTIME_DIR=str(runtime)):
            for spec in job.assignment.notebooks:
                filename = spec.name + ".ipynb"
                if filename not in job.files:
                    result["missing"].append(spec.name)
                    result["problems"].append(problem("missing-notebook", f"{filename} was not "
                                                      "submitted; its parts score 0", filename))
                    continue
                result["notebooks"][spec.name] = _grade_notebook(
                    job, spec, job.files[filename], work, result["problems"])
        known = {nb.name + ".ipynb" for nb in job.assignment.notebooks}
        for name in sorted(job.files):
            if name.endswith(".ipynb") and "/" not in name and name not in known:
                result["problems"].append(problem("unknown-notebook", f"{name} is not part of "
                                                  f"{job.assignment.name}; it was not graded", name))
    result["seconds"] = time.monotonic() - started
    return result


def _tmp_prefix(pid: int | None = None) -> str:
    """The name of a grading process's temporary folders begins with this (see
    :func:`remove_leftovers`)."""
    return f"autograder-job-{os.getpid() if pid is None else pid}-"


def remove_leftovers(pid: int) -> None:
    """Remove the temporary folders of grading process ``pid``, which was killed (a process
    killed with SIGKILL removes nothing): its submissions' folders and its kernels' socket
    folders (``autograder.sandbox_kernel``)."""
    import shutil

    from .sandbox_kernel import remove_socket_dirs

    for folder in Path(tempfile.gettempdir()).glob(_tmp_prefix(pid) + "*"):
        shutil.rmtree(folder, ignore_errors=True)
    remove_socket_dirs(pid)


def remove_orphaned_leftovers() -> None:
    """Remove the temporary folders of every grading process on this machine that is gone
    (killed with SIGKILL, by the OOM killer or a dying Dask worker): a Dask worker calls this
    before each job, since no parent there watches its grading processes (the local pool
    calls :func:`remove_leftovers` as soon as it kills one)."""
    for folder in Path(tempfile.gettempdir()).glob("autograder-job-*-*"):
        try:
            pid = int(folder.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            remove_leftovers(pid)


def failed_result(job: Job, kind: str, message: str) -> dict:
    """The Result for a submission whose grading process itself failed (``kind`` is one of
    ``spec.NOT_GRADED_KINDS``): the parent records it as not graded, never as scores."""
    return {"assignment": job.assignment.name, "student": job.student,
            "notebooks": {nb.name: _unreadable(nb) for nb in job.assignment.notebooks
                          if nb.name + ".ipynb" in job.files},
            "missing": [nb.name for nb in job.assignment.notebooks
                        if nb.name + ".ipynb" not in job.files],
            "problems": list(job.problems) + [problem(kind, message)],
            "seconds": 0.0, "host": socket.gethostname(), "pid": None}


def _unreadable_notebook(spec: NotebookSpec, problems: list[dict], why: str) -> dict:
    filename = spec.name + ".ipynb"
    problems.append(problem("invalid-notebook", f"{filename} could not be read: {why}; its "
                            "parts score 0 and are flagged for review", filename))
    return _unreadable(spec)


def _unreadable(spec: NotebookSpec) -> dict:
    return {"executed": None, "grades": {c.name: 0.0 for c in spec.grade_cells},
            "comments": {}, "needs_review": True}


class _NotANotebook(Exception):
    """The submitted bytes are not a notebook; the message says why, for the instructor."""


def _grade_notebook(job: Job, spec: NotebookSpec, raw: bytes, work: Path,
                    problems: list[dict]) -> dict:
    try:
        nb = _read_notebook(raw)
    except _NotANotebook as why:
        return _unreadable_notebook(spec, problems, str(why))
    sanitized = _sanitize(job, spec, nb, work, problems)
    if sanitized is None:
        return _unreadable(spec)
    return _execute_and_score(job, spec, sanitized, work, problems)


def _read_notebook(raw: bytes):
    """The notebook in ``raw``, or _NotANotebook saying why it is not one."""
    import nbformat

    try:
        text = raw.decode("utf-8")
        json.loads(text)
    except UnicodeDecodeError as error:
        raise _NotANotebook(f"it is not UTF-8 text ({error.reason} at byte {error.start})")
    except json.JSONDecodeError as error:
        # error.msg may end in "at" ("Unterminated string starting at"), which the position
        # completes: "... starting at line 1, column 12" (never "at at line").
        raise _NotANotebook(f"it is not valid JSON ({error.msg.removesuffix(' at')} at line "
                            f"{error.lineno}, column {error.colno})")
    except RecursionError:
        raise _NotANotebook("its JSON is nested too deeply to read")
    try:
        nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as error:  # noqa: BLE001 - any way JSON can fail to be a notebook
        raise _NotANotebook(f"it is not a notebook "
                            f"({type(error).__name__}: {first_line(error)})")
    return nb


def _sanitize(job: Job, spec: NotebookSpec, nb, work: Path, problems: list[dict]):
    """Steps 1 and 2: the notebook compared with its master copy, repaired, and sanitized by
    nbgrader's pipeline; None (and a problem) if that fails."""
    import nbformat

    from .integrity import inspect_and_repair

    resources = _resources(job, spec, work)
    try:
        problems.extend(inspect_and_repair(nb, spec, job.assignment.config))
        sanitizer = _exporter(job.assignment.config, "sanitize_preprocessors")
        sanitized, _ = sanitizer.from_notebook_node(nb, resources=copy.deepcopy(resources))
    except Exception as error:  # noqa: BLE001
        problems.append(problem("grading-error", f"{spec.name}.ipynb could not be sanitized: "
                                f"{type(error).__name__}: {first_line(error)}",
                                f"{spec.name}.ipynb"))
        return None
    return nbformat.reads(sanitized, as_version=4)


def _execute_and_score(job: Job, spec: NotebookSpec, sanitized, work: Path,
                       problems: list[dict]) -> dict:
    """Steps 3 to 5: run the sanitized notebook and score it, beside its trusted scoring."""
    from . import trusted

    # The notebook (with its hidden tests) is not written where the kernel can read it.
    filename = spec.name + ".ipynb"
    grader = _exporter(job.assignment.config, "autograde_preprocessors")
    resources = _resources(job, spec, work)
    to_run = copy.deepcopy(sanitized)
    # The isolated scoring needs only the sanitized notebook and the submission's files, so it
    # runs in its own sandbox beside the notebook's kernel (each waits on the other's start-up
    # and cells less than in turn); leaving the block waits for it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="trusted") as pool:
        verdict = (pool.submit(trusted.score, spec, sanitized, work, job.timeout,
                               job.assignment.config) if job.sandbox else None)
        try:
            executed, resources = grader.from_notebook_node(to_run, resources=resources)
        except Exception as error:  # noqa: BLE001
            problems.append(problem("grading-error", f"{filename} could not be graded: "
                                    f"{type(error).__name__}: {first_line(error)}\n"
                                    f"{traceback.format_exc(limit=5)}", filename))
            return _unreadable(spec)
        info = resources["autograder"]
        problems.extend(info.get("problems", []))
        problems.extend(_timeouts(executed, filename))
        grades, review = info.get("grades", {}), []
        if verdict is not None:
            grades, executed, review = _apply_trusted(job, spec, sanitized, executed, grades,
                                                      verdict, problems)
    return {"executed": executed, "grades": grades, "comments": info.get("comments", {}),
            "needs_review": False, "review": review}


def _apply_trusted(job: Job, spec: NotebookSpec, sanitized, executed: str, grades: dict,
                   verdict, problems: list[dict]) -> tuple[dict, str, list[str]]:
    """The grades, executed notebook and cells to review once the trusted scores (the future
    ``verdict``) replace the notebook's.

    If the isolated scoring itself fails (its sandbox never reached the learner's code, or the
    grader's code raised), that is no doing of the student's: a problem of a kind in
    ``spec.NOT_GRADED_KINDS`` makes the whole submission not graded (never 0), and a rerun
    grades it. (A trusted run that the learner's code stopped or broke is judged by
    ``trusted.apply``: its checked parts earn nothing.)"""
    from . import trusted
    from .sandbox import SandboxUnavailable
    from .trusted.scoring import TrustedRunNotStarted, checked_cells

    filename = spec.name + ".ipynb"
    try:
        return trusted.apply(spec, sanitized, executed, grades, verdict.result(), problems,
                             job.assignment.config)
    except (TrustedRunNotStarted, SandboxUnavailable, OSError) as error:
        problems.append(problem("trusted-run-not-started", f"{filename}: the isolated run "
                                f"that scores the checked parts could not start: "
                                f"{first_line(error)}", filename))
    except Exception as error:  # noqa: BLE001 - a grader bug: not graded, trust nothing
        problems.append(problem("grader-crashed", f"{filename}: the isolated scoring "
                                f"failed: {type(error).__name__}: {first_line(error)}\n"
                                f"{traceback.format_exc(limit=5)}", filename))
    review = sorted(checked_cells(spec))
    return {**grades, **{name: 0.0 for name in review}}, executed, review


def _resources(job: Job, spec: NotebookSpec, work: Path) -> dict:
    from nbconvert.exporters.exporter import ResourcesDict

    resources = ResourcesDict()
    resources["unique_key"] = spec.name
    resources["output_files_dir"] = f"{spec.name}_files"
    resources["nbgrader"] = {"student": job.student, "assignment": job.assignment.name,
                             "notebook": spec.name, "db_url": None}
    resources["metadata"] = ResourcesDict(name=spec.name, path=str(work))
    resources["autograder"] = {"spec": spec, "limit": job.timeout,
                               "fork_kernels": job.fork_kernels, "sandbox": None}
    if job.sandbox:
        from .sandbox_kernel import for_job

        resources["autograder"]["sandbox"] = for_job(job, work)
    return resources


def _exporter(config, pipeline: str):
    """A NotebookExporter with nbgrader's configured pipeline, gradebook users swapped for ours."""
    from nbconvert.exporters import NotebookExporter
    from traitlets.utils.importstring import import_item
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import (AssignLatePenalties, DeduplicateIds, Execute,
                                        OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
    from traitlets.config import Config

    from . import metadata_schema
    from . import preprocessors as ours

    metadata_schema.install()
    swap = {DeduplicateIds: ours.SpecDeduplicateIds,
            OverwriteKernelspec: ours.SpecOverwriteKernelspec,
            OverwriteCells: ours.SpecOverwriteCells,
            Execute: ours.GuardedExecute,
            SaveAutoGrades: ours.RecordAutoGrades,
            AssignLatePenalties: None}  # applied by the parent, which knows the timestamps
    config = Config(copy.deepcopy(config)) if config is not None else Config()
    config.merge(Config({"Exporter": {"default_preprocessors": []}}))
    section = config.get("Autograde", {})
    chosen = (section[pipeline] if pipeline in section
              else Autograde.class_traits()[pipeline].default())
    exporter = NotebookExporter(config=config)
    exporter._preprocessors = []
    for item in chosen:
        cls = import_item(item) if isinstance(item, str) else item
        cls = swap.get(cls, cls)
        if cls is not None:
            exporter.register_preprocessor(cls)
    return exporter


def _timeouts(executed: str, filename: str) -> list[dict]:
    found = []
    for index, cell in enumerate(json.loads(executed).get("cells", [])):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError":
                grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                found.append(problem("cell-timeout", f"cell {index}"
                                     f"{f' ({grade_id})' if grade_id else ''} ran past the "
                                     "per-cell time limit and was interrupted", filename, grade_id))
    return found


def _write_files(work: Path, job: Job) -> None:
    """Lay out the folder the kernel runs in, as nbgrader lays out autograded/<student>/<a>/:
    the submitted non-notebook files, then the instructor's extra files over them."""
    for layer in (job.files, job.assignment.extra_files):
        for name, data in layer.items():
            if layer is job.files and name.endswith(".ipynb"):
                continue
            target = _inside(work, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                target.unlink()
            target.write_bytes(data)


def _inside(root: Path, relative: str) -> Path:
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise ValueError(f"file name {relative!r} would leave the submission folder")
    return root.joinpath(*parts)


class _environment:
    """Set environment variables for the duration of a block (as nbgrader's utils.setenv)."""

    def __init__(self, **values):
        self.values = values

    def __enter__(self):
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str] | None = None) -> int:
    from .startup import skip_iri_parsers

    skip_iri_parsers()
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m autograder.worker JOB.pickle RESULT.json", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as f:
        job = pickle.load(f)
    result = grade_submission(job)
    with open(argv[1], "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
