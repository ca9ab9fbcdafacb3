"""nbgrader's autograding preprocessors, fed from the Job instead of the gradebook.

``nbgrader autograde`` runs two passes over each notebook (``nbgrader.converters.Autograde``):

* sanitize: ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata
* autograde: Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
  AssignLatePenalties, CheckCellMetadata

Four of them open the gradebook. Here each of those is a thin subclass whose *per-cell logic is
nbgrader's own*; only where the data comes from changes: a read-only view of the master copy
(``MasterCopy``) instead of the database, and a recorder (``ScoreSheet``) instead of writing
grades. Late penalties need the submission's timestamp and the course's plugin, so the parent
process applies them when it records the result (``autograder.ledger``). ``GuardedExecute``
adds what one bad notebook needs so it cannot stop a batch: a time limit for the whole notebook,
and recovery from a dead or unresponsive kernel (the remaining cells are marked as not run, so
their tests score zero instead of the whole notebook failing).
"""
from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import threading
import time

from nbclient.exceptions import CellControlSignal, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import (DeduplicateIds, Execute, OverwriteCells,
                                    OverwriteKernelspec, SaveAutoGrades)
from nbgrader.preprocessors.base import NbGraderPreprocessor

from .spec import NotebookSpec, problem

#: Called with the kernel's process id when a kernel starts (the local pool uses it to kill a
#: runaway kernel together with its worker). Module state, because the preprocessors are created
#: by nbconvert's exporter.
kernel_started_hook = None


def _spec(resources) -> NotebookSpec:
    return resources["autograder"]["spec"]


class _Record:
    """A stand-in for a gradebook row: attributes only."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


class _NoDatabase:
    def commit(self):
        """Nothing to commit: results go back to the parent in the Result."""


class MasterCopy:
    """The part of nbgrader's ``Gradebook`` interface the sanitizing preprocessors read."""

    db = _NoDatabase()

    def __init__(self, spec: NotebookSpec):
        self.spec = spec

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def find_source_cell(self, name, notebook, assignment):
        try:
            return self.spec.source_cell(name)
        except KeyError:
            raise MissingEntry() from None

    def find_graded_cell(self, name, notebook, assignment):
        for cell in self.spec.grade_cells + self.spec.task_cells:
            if cell.name == name:
                return cell
        raise MissingEntry()

    def find_notebook(self, name, assignment):
        spec = self.spec
        return _Record(name=spec.name, kernelspec=spec.kernelspec,
                       source_cells=list(spec.source_cells), grade_cells=list(spec.grade_cells),
                       solution_cells=[_Record(name=n) for n in spec.solution_cells],
                       task_cells=list(spec.task_cells))


class ScoreSheet(MasterCopy):
    """Collects what ``SaveAutoGrades`` would write: one grade and one comment per cell."""

    def __init__(self, spec: NotebookSpec):
        super().__init__(spec)
        self.grades: dict[str, _Record] = {}
        self.comments: dict[str, _Record] = {}

    def find_grade(self, name, notebook, assignment, student):
        return self.grades.setdefault(name, _Record(auto_score=None, manual_score=None,
                                                    needs_manual_grade=False))

    def find_comment(self, name, notebook, assignment, student):
        return self.comments.setdefault(name, _Record(auto_comment=None))


class SpecDeduplicateIds(DeduplicateIds):
    """nbgrader's DeduplicateIds, then the emptied metadata removed.

    DeduplicateIds empties the metadata of every copy but the last (``metadata.nbgrader = {}``);
    nbgrader's validator then reads schema version 0 from the empty dict and raises
    ``SchemaTooOldError``, which aborts a whole ``nbgrader autograde`` run. Removing the empty dict
    keeps the meaning (an ordinary cell) without the abort.
    """

    def preprocess(self, nb, resources):
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", None) == {}:
                del cell.metadata["nbgrader"]
        return nb, resources


class SpecOverwriteKernelspec(OverwriteKernelspec):
    """nbgrader's OverwriteKernelspec with the kernelspec from the master copy."""

    def preprocess(self, nb, resources):
        kernelspec = _spec(resources).kernelspec
        if kernelspec:
            nb.metadata["kernelspec"] = json.loads(kernelspec)
        return nb, resources


class SpecOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells (restore locked sources, points, types, checksums) reading the
    master copy. Deleted grade cells were already put back by ``integrity.inspect_and_repair``."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = MasterCopy(_spec(resources))
        nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
        if self.add_missing_cells:
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


class RecordAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades (scores from ``utils.determine_grade``, "No response." comments)
    writing into a ScoreSheet that travels back in the Result."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        sheet = ScoreSheet(_spec(resources))
        self.gradebook = sheet
        nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
        resources["autograder"]["grades"] = {k: v.auto_score for k, v in sheet.grades.items()}
        resources["autograder"]["comments"] = {k: v.auto_comment for k, v in sheet.comments.items()}
        return nb, resources


def _not_run(reason: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename="NotRun", evalue=reason,
                        traceback=[f"NotRun: {reason}"])


class GuardedExecute(Execute):
    """nbgrader's Execute with a limit for the whole notebook and no way to abort the batch.

    * Each cell's limit is nbgrader's ``Execute.timeout``, cut to what is left of the
      notebook's limit (``resources["autograder"]["limit"]`` seconds from kernel start). A cell
      that runs out is interrupted exactly as nbgrader does (``CellTimeoutError`` output); once
      the notebook's limit has passed, the remaining code cells are not run.
    * A kernel that dies, cannot be started, or stops answering (nbclient raises) is killed and
      the remaining code cells get a ``NotRun`` error output, so their tests earn nothing.
    * A watchdog kills the kernel's process group if the notebook is still running ``grace``
      seconds after its limit, whatever state nbclient is in.

    * With ``resources["autograder"]["sandbox"]`` (an ``autograder.sandbox_kernel.KernelSandbox``)
      the kernel runs in its own sandbox; and what a notebook prints is capped at
      ``max_output_bytes`` (the rest is dropped, with a note), so that a flood of output cannot
      exhaust the grader's memory.

    Problems found go into ``resources["autograder"]["problems"]``. With a well-behaved
    notebook this runs exactly what nbgrader's Execute runs.
    """

    grace = 10.0
    max_output_bytes = 8 * 2**20

    def preprocess(self, nb, resources, km=None):
        info = resources["autograder"]
        self._problems = info.setdefault("problems", [])
        self._notebook = info["spec"].name + ".ipynb"
        self._limit = float(info["limit"])
        self._deadline = time.monotonic() + self._limit
        self._stopped = None  # the reason no further cell runs
        self._current = None
        self.shutdown_kernel = "immediate"  # the notebook is done; no need to wait for a goodbye
        self._sandbox = info.get("sandbox")
        self._output_bytes = 0
        self._output_truncated = False
        self._sandboxed_km = None
        if self._sandbox is not None:
            from .sandbox_kernel import kernel_manager_class

            self.kernel_manager_class = kernel_manager_class()
        elif info.get("fork_kernels", True):
            from .kernels import ForkingKernelManager

            self.kernel_manager_class = ForkingKernelManager
        watchdog = threading.Timer(self._limit + self.grace, self._kill_kernel)
        watchdog.daemon = True
        watchdog.start()
        try:
            return super().preprocess(nb, resources, km)
        except Exception as error:  # noqa: BLE001 - anything from kernel start-up or shutdown
            if self._current is None:
                self._stop("kernel-failed", f"the kernel could not be started: {_short(error)}")
            elif self._stopped is None:
                self._stop("grading-error", f"execution stopped: {_short(error)}")
            for index, cell in enumerate(nb.cells):
                if self._current is None or index > self._current:
                    self._mark_not_run(cell)
            return nb, resources
        finally:
            watchdog.cancel()
            if self._sandboxed_km is not None:  # free its sandbox, even if the kernel died
                self._sandboxed_km.release()
                self._sandboxed_km = None

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if self._sandbox is not None:
            km.sandbox_options = self._sandbox
            self._sandboxed_km = km
        return km

    def output(self, outs, msg, display_id, cell_index):
        self._output_bytes += _output_size(msg)
        if self._output_bytes > self.max_output_bytes:
            if not self._output_truncated:
                self._output_truncated = True
                self._problems.append(problem(
                    "output-limit", f"cell {cell_index} took the notebook's output past "
                    f"{self.max_output_bytes // 2**20} MiB; later output was dropped",
                    self._notebook))
                outs.append(NotebookNode(output_type="stream", name="stdout",
                                         text="[output truncated by the grader]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _get_timeout(self, cell):
        timeout = super()._get_timeout(cell)
        remaining = max(1, math.ceil(self._deadline - time.monotonic()))
        return remaining if timeout is None else min(timeout, remaining)

    def start_new_kernel(self, **kwargs):
        kwargs.setdefault("stdout", subprocess.DEVNULL)  # kernel logs are not the student's output
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        super().start_new_kernel(**kwargs)
        pid = self._kernel_pid()
        if pid is not None and kernel_started_hook is not None:
            kernel_started_hook(pid)

    def preprocess_cell(self, cell, resources, index):
        if self._stopped is None and time.monotonic() >= self._deadline and _runs(cell):
            self._stop("time-limit", f"the notebook ran past its limit of {self._limit:g} s; "
                       f"cell {index} and later were not run")
        if self._stopped is not None:
            self._mark_not_run(cell)
            return cell, resources
        self._current = index
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, CellTimeoutError, CellControlSignal, RuntimeError) as error:
            if isinstance(error, DeadKernelError):
                self._stop("kernel-died", f"the kernel died in cell {index}; later cells were "
                           "not run")
            else:
                self._stop("kernel-died", f"the kernel stopped answering in cell {index} "
                           f"({_short(error)}); it was killed and later cells were not run")
            self._kill_kernel()
            cell.outputs = list(cell.get("outputs", [])) + [_not_run(self._stopped)]
            return cell, resources

    def _stop(self, kind: str, message: str) -> None:
        self._stopped = message
        self._problems.append(problem(kind, message, self._notebook))

    def _mark_not_run(self, cell) -> None:
        if _runs(cell):
            cell.outputs = [_not_run(self._stopped or "not run")]
            cell.execution_count = None

    def _kernel_pid(self):
        try:
            process = self.km.provisioner.process
            return process.pid
        except AttributeError:
            return None

    def _kill_kernel(self) -> None:
        pid = self._kernel_pid() if getattr(self, "km", None) is not None else None
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session
        except (ProcessLookupError, PermissionError):
            pass


def _output_size(msg) -> int:
    """Roughly how many characters an output message carries (a kernel can send anything)."""
    try:
        content = msg.get("content") or {}
        size = len(str(content.get("text", "")))
        size += sum(len(str(v)) for v in (content.get("data") or {}).values())
        size += sum(len(str(line)) for line in content.get("traceback") or [])
        return size
    except Exception:  # noqa: BLE001 - malformed content counts as a lot
        return 2**20


def _runs(cell) -> bool:
    return cell.cell_type == "code" and bool(str(cell.source).strip())


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
