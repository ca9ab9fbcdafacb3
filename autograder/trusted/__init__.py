"""Trusted scoring: points decided outside the learner's process (see ``scoring``).

Modules:

- :mod:`autograder.trusted.scoring` (grader side): which test cells it covers, the cases, the
  sandboxed run, the comparison with nnlib, the verdicts;
- :mod:`autograder.trusted.runner` (inside the sandbox): runs the learner's cells and observes
  their functions on the grader's cases;
- :mod:`autograder.trusted.wire`: the plain-data encoding both sides speak;
- :mod:`autograder.trusted.given`: the stand-ins for the nnlib objects an exercise hands to the
  learner's code;
- :mod:`autograder.trusted.scan`: suspicious constructs, named in flags for the instructor.

:func:`score` and :func:`apply` are what the grading worker calls for each notebook: ``score``
runs the trusted scoring (in its own sandbox, while the notebook itself runs in its sandboxed
kernel); ``apply``, once both are done, replaces the notebook's scores of the covered test cells
by the trusted ones, adds a line under each such cell of the graded notebook saying what the
trusted run found, and reports every part that earned nothing for a reason the instructor
should see.
"""
from __future__ import annotations

import json

_MARK = "\u2502 graded in isolation: "


def _cell_index(executed: dict) -> dict[str, dict]:
    found = {}
    for cell in executed.get("cells", []):
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if grade_id:
            found[grade_id] = cell
    return found


def _annotate(cell: dict, text: str) -> None:
    """Add the trusted verdict under a test cell (a stream on stdout: nbgrader does not score
    it, and the feedback shows it)."""
    cell.setdefault("outputs", []).append(
        {"output_type": "stream", "name": "stdout", "text": text.rstrip() + "\n"})


def score(spec, sanitized, inputs, timeout: float, config=None):
    """The trusted verdict (a ``scoring.NotebookVerdict``) on ``spec``'s checked cells.

    ``sanitized`` is the notebook as it is run (a NotebookNode, after the integrity repairs;
    only read), ``inputs`` the folder of the submission's files, ``timeout`` the notebook's
    limit in seconds. Safe to call in a thread while the notebook's kernel runs.
    """
    from . import scoring

    return scoring.score_notebook(sanitized, spec, inputs=inputs, timeout=timeout,
                                  cell_timeout=_cell_timeout(config), config=config)


def apply(spec, sanitized, executed: str | None, grades: dict, verdict, problems: list,
          config=None) -> tuple[dict, str | None, list[str]]:
    """Put ``verdict`` (from :func:`score`) in place of the notebook run's scores of the
    checked cells; return (grades, executed, review).

    ``executed`` is the graded notebook (JSON text), ``grades`` the notebook run's scores.
    ``review`` lists the cells flagged for the instructor (nbgrader's "needs manual grade").
    """
    from ..spec import problem
    from . import scan, scoring

    filename = spec.name + ".ipynb"
    if not verdict.cells and not verdict.cell_errors:
        return grades, executed, []
    grades = dict(grades)
    review = []
    own_code = [item for kind, item in scoring.plan_steps(sanitized, spec,
                                                          scoring.checked_cells(spec), config)
                if kind == "cell"]
    findings = scan.scan_cells(own_code)
    suspicious = ("; suspicious code: " + "; ".join(findings)) if findings else ""
    for item in verdict.cell_errors:
        if isinstance(item.get("cell"), str):  # a test cell that could not be isolated
            problems.append(problem("not-isolated", item["message"], filename, item["cell"]))
    if verdict.error:
        problems.append(problem("trusted-run-failed", f"{verdict.error}; the checked parts of "
                                f"{filename} earn nothing{suspicious}", filename))
    executed_nb = json.loads(executed) if executed else None
    cells = _cell_index(executed_nb) if executed_nb else {}
    for name, cell in verdict.cells.items():
        before = grades.get(name)
        grades[name] = cell.points
        if cell.passed:
            line = (f"{_MARK}\u2713 {cell.points:g} of {cell.max_score:g} points "
                    f"({cell.cases} cases)")
        else:
            line = f"{_MARK}\u2717 0 of {cell.max_score:g} points. {cell.reason}"
            if cell.kind == "delegation":
                review.append(name)
                problems.append(problem("delegation", f"{name}: {cell.reason}{suspicious}",
                                        filename, name))
            elif before and before > 0 and not verdict.error:
                review.append(name)
                problems.append(problem("unearned-points", f"{name} scored {before:g} in the "
                                        f"notebook but failed in isolation: {cell.reason}"
                                        f"{suspicious}", filename, name))
            elif verdict.error:
                review.append(name)
        if name in cells:
            _annotate(cells[name], line)
    if executed_nb is not None:
        import nbformat

        executed = nbformat.writes(nbformat.from_dict(executed_nb))
    return grades, executed, review


def _cell_timeout(config) -> float:
    try:
        value = config.get("Execute", {}).get("timeout") if config is not None else None
    except AttributeError:
        value = None
    return float(value) if isinstance(value, (int, float)) and value > 0 else 30.0
