"""``autograder check NOTEBOOK``: a learner runs the visible tests and reads a summary.

The notebook is run top to bottom in a fresh kernel, from a copy (the learner's file is never
changed), in its own folder so that data files next to it are found. Each autograded test cell is
scored with nbgrader's own ``determine_grade``; answer cells left as released are reported as not
answered, and test cells that were edited are reported (the grader runs the original tests).
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .hints import PartOutcome, read_parts


@dataclass
class CheckReport:
    notebook: str
    parts: list[PartOutcome] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    stopped: str | None = None

    @property
    def passed(self) -> bool:
        return bool(self.parts) and all(p.passed for p in self.parts) and self.stopped is None


class _Spec:  # what GuardedExecute reads from a notebook spec
    def __init__(self, name):
        self.name = name


def check_notebook(path: str, timeout: float = 300.0, out=sys.stdout) -> CheckReport:
    import nbformat
    from nbconvert.exporters.exporter import ResourcesDict
    from nbgrader.utils import compute_checksum, is_locked, is_solution

    from .preprocessors import GuardedExecute

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {str(path)!r}")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as error:  # noqa: BLE001 - tell the learner plainly
        raise ValueError(f"{path} is not a readable notebook: {error}") from None
    report = CheckReport(path.name)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "checksum" not in meta or "grade_id" not in meta:
            continue
        unchanged = meta["checksum"] == compute_checksum(cell)
        if is_solution(cell) and unchanged:
            report.unanswered.append(meta["grade_id"])
        elif is_locked(cell) and not unchanged:
            report.edited.append(meta["grade_id"])

    executor = GuardedExecute(timeout=None)
    resources = ResourcesDict(metadata=ResourcesDict(path=str(path.parent.resolve())),
                              autograder={"spec": _Spec(path.stem), "limit": timeout,
                                          "fork_kernels": False})
    executed, resources = executor.preprocess(nb, resources)
    problems = resources["autograder"].get("problems", [])
    if problems:
        report.stopped = problems[0]["message"]
    report.parts = list(read_parts(json.loads(nbformat.writes(executed)), path.stem).values())
    _print(report, out)
    return report


def _print(report: CheckReport, out) -> None:
    print(f"Checked {report.notebook}: visible tests only (grading also runs hidden tests).",
          file=out)
    if not report.parts:
        print("No autograded tests found: is this an exercise notebook?", file=out)
        return
    width = max(len(p.grade_id) for p in report.parts)
    for part in report.parts:
        score = "-" if part.score is None else f"{part.score:g}"
        verdict = "passed" if part.passed else "FAILED"
        print(f"  {part.grade_id:<{width}}  {score:>3} / {part.max_score:<3g} {verdict}", file=out)
        if not part.passed:
            pad = " " * 6
            for line in part.message.splitlines():
                print(f"{pad}{line}", file=out)
            for hint in part.hints():
                print(f"{pad}hint: {hint}", file=out)
    for name in report.unanswered:
        print(f"Not answered yet: {name}.", file=out)
    for name in report.edited:
        print(f"You changed the test cell {name}: grading uses the original tests.", file=out)
    if report.stopped:
        print(f"Stopped early: {report.stopped}", file=out)
    passed = sum(p.passed for p in report.parts)
    points = sum(p.score or 0.0 for p in report.parts)
    maximum = sum(p.max_score for p in report.parts)
    print(f"{passed} of {len(report.parts)} test cell(s) pass ({points:g} of {maximum:g} points "
          "from the visible tests).", file=out)
