"""Find what a student changed in the graded structure of a notebook, and repair what must be.

nbgrader's own sanitizing preprocessors (``DeduplicateIds``, ``OverwriteCells``) silently restore
edited test cells and points; they only *log* what they changed, and a few cases stop them cold
(a duplicated grade id leaves an empty metadata dict that fails validation and aborts the batch;
a grade id the assignment does not know leaves a locked cell without an id; a deleted test cell
is simply never run, and its points are lost without a word). ``inspect_and_repair`` runs before
them on the submitted notebook and

* reports every difference from the released master copy as a problem (see
  ``spec.PROBLEM_KINDS``): edited locked cells, points, checksums, cell types, nbgrader flags
  (a solution cell marked as a test, a test unlocked), duplicated, unknown and deleted cells;
  and
* repairs only what would otherwise stop grading or lose a test: corrupt metadata on a known cell
  is rebuilt from the release, and so are changed flags, metadata with an unknown grade id is
  dropped, and a deleted test
  cell is put back (as nbgrader's ``OverwriteCells.add_missing_cells`` would, but placed after the
  nearest surviving neighbour, so a deleted neighbour cannot make it fail).

On a well-formed submission it changes nothing, so scores stay exactly nbgrader's.
"""
from __future__ import annotations

from collections import Counter

from nbformat import NotebookNode

from .spec import NotebookSpec, first_line, problem


def _nbgrader(cell) -> dict | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def _is_tracked(meta: dict) -> bool:
    return bool(meta.get("grade") or meta.get("solution") or meta.get("locked") or meta.get("task"))


def _master_metadata(spec: NotebookSpec, name: str) -> dict:
    """The nbgrader metadata the released notebook has for cell ``name``."""
    source = spec.source_cell(name)
    grade = {c.name: c for c in spec.grade_cells}
    task = {c.name: c for c in spec.task_cells}
    meta = {"grade": name in grade, "grade_id": name, "locked": source.locked,
            "schema_version": 3, "solution": name in spec.solution_cells, "task": name in task,
            "checksum": source.checksum}
    if name in grade:
        meta["points"] = grade[name].max_score
    if name in task:
        meta["points"] = task[name].max_score
    return meta


def released_source(source: str, config=None) -> str:
    """The text a learner received for a locked cell: the master source with its hidden tests
    removed, by nbgrader's own ``ClearHiddenTests`` (with the course's delimiters)."""
    from nbgrader.preprocessors import ClearHiddenTests

    cell = NotebookNode(source=source, cell_type="code", metadata={})
    try:
        ClearHiddenTests(config=config)._remove_hidden_test_region(cell)
    except RuntimeError:  # unbalanced delimiters: nbgrader would have refused to release it
        return source
    return cell.source


def inspect_and_repair(nb: NotebookNode, spec: NotebookSpec, config=None) -> list[dict]:
    """Compare ``nb`` (as submitted) with its master copy; repair it in place; return problems.

    ``config`` is the course's nbgrader configuration (for the hidden-test delimiters)."""
    problems = _repair_metadata(nb, spec)
    present = [(i, _nbgrader(c)["grade_id"]) for i, c in enumerate(nb.cells)
               if _nbgrader(c) and _is_tracked(_nbgrader(c))]
    counts = Counter(name for _, name in present)
    problems += _duplicates(spec, counts)
    for index, name in present:
        problems += _compare_cell(nb.cells[index], name, spec, config)
    problems += _deleted_answers(spec, counts)
    problems += _restore_deleted(nb, spec, counts)
    return problems


def _repair_metadata(nb: NotebookNode, spec: NotebookSpec) -> list[dict]:
    """Step 1: remove or rebuild the nbgrader metadata that would make nbgrader's validator
    abort (not a dictionary, a grade id the assignment does not have, corrupt)."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError
    from nbgrader.nbgraderformat.common import SchemaMismatchError

    notebook = spec.name + ".ipynb"
    problems: list[dict] = []
    known = {c.name for c in spec.source_cells}
    validator = MetadataValidator()
    for index, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if meta is None:
            if "nbgrader" in cell.get("metadata", {}):
                del cell.metadata["nbgrader"]
                problems.append(problem("invalid-metadata", f"cell {index} has nbgrader metadata "
                                        "that is not a dictionary; removed", notebook))
            continue
        if not meta:
            del cell.metadata["nbgrader"]  # an empty dict means "no longer an nbgrader cell"
            continue
        grade_id = meta.get("grade_id")
        if _is_tracked(meta) and grade_id not in known:
            del cell.metadata["nbgrader"]
            problems.append(problem("unknown-cell", f"cell {index} has grade id {grade_id!r}, "
                                    "which the assignment does not have; graded as an ordinary "
                                    "cell", notebook, grade_id))
            continue
        try:
            validator.validate_cell(cell)
        # What the validator raises on a learner's metadata: a schema violation (jsonschema's
        # ValidationError, which is also nbgrader's), a schema_version other than 3
        # (SchemaMismatchError), a schema_version that is not a number (TypeError: it is
        # compared with 3 before the schema is checked), and a cell without a cell_type or a
        # source (AttributeError: nbformat only warns about such a notebook).
        except (ValidationError, SchemaMismatchError, TypeError, AttributeError) as error:
            why = first_line(error) or type(error).__name__
            if grade_id in known:
                cell.metadata["nbgrader"] = _master_metadata(spec, grade_id)
                problems.append(problem("invalid-metadata", f"cell {grade_id!r} had corrupt "
                                        f"nbgrader metadata ({why}); restored from "
                                        "the release", notebook, grade_id))
            else:
                del cell.metadata["nbgrader"]
                problems.append(problem("invalid-metadata", f"cell {index} had corrupt nbgrader "
                                        f"metadata ({why}); removed", notebook))
    return problems


def _duplicates(spec: NotebookSpec, counts: Counter) -> list[dict]:
    return [problem("duplicate-cell", f"cell {name!r} appears {count} times; only the last copy "
                    "is graded", spec.name + ".ipynb", name)
            for name, count in sorted(counts.items()) if count > 1]


def _compare_cell(cell, name: str, spec: NotebookSpec, config) -> list[dict]:
    """Step 2, for one tracked cell: how it differs from the master copy (type, a locked
    cell's text, points, checksum, nbgrader flags); changed flags are restored."""
    notebook = spec.name + ".ipynb"
    problems = []
    source, meta = spec.source_cell(name), _nbgrader(cell)
    grade_points = {c.name: c.max_score for c in spec.grade_cells}
    if cell.cell_type != source.cell_type:
        problems.append(problem("changed-type", f"cell {name!r} was changed from "
                                f"{source.cell_type} to {cell.cell_type}", notebook, name))
    if source.locked and (_text(cell.get("source", "")).rstrip()
                          != released_source(source.source, config).rstrip()):
        problems.append(problem("changed-cell", f"locked cell {name!r} was edited; the "
                                "released version is run instead", notebook, name))
    if name in grade_points and "points" in meta:
        try:
            points = float(meta["points"])
        except (TypeError, ValueError):
            points = None
        if points != grade_points[name]:
            problems.append(problem("changed-points", f"cell {name!r} claims "
                                    f"{meta['points']!r} points; it is worth "
                                    f"{grade_points[name]:g}", notebook, name))
    if "checksum" in meta and meta["checksum"] not in _checksums(spec, name, config):
        problems.append(problem("changed-checksum", f"cell {name!r} carries checksum "
                                f"{str(meta['checksum'])[:40]!r}, not the released one; "
                                "the released cell is used", notebook, name))
    master = _master_metadata(spec, name)
    flags = [flag for flag in ("grade", "solution", "locked", "task")
             if bool(meta.get(flag)) != bool(master[flag])]
    if flags:
        # nbgrader trusts these flags (a solution cell marked as graded stops its
        # OverwriteCells cold); the released ones are restored.
        cell.metadata["nbgrader"] = master
        problems.append(problem("changed-metadata", f"cell {name!r} had its "
                                f"{', '.join(flags)} flag{'s' if len(flags) > 1 else ''} "
                                "changed; the released metadata is used", notebook, name))
    return problems


def _deleted_answers(spec: NotebookSpec, counts: Counter) -> list[dict]:
    graded = {c.name for c in spec.grade_cells}
    return [problem("missing-answer-cell", f"answer cell {name!r} was deleted",
                    spec.name + ".ipynb", name)
            for name in spec.solution_cells if name not in counts and name not in graded]


def _restore_deleted(nb: NotebookNode, spec: NotebookSpec, counts: Counter) -> list[dict]:
    """Step 3: put deleted grade cells back, after the nearest surviving neighbour (updating
    ``counts``); report deleted grade and task cells."""
    from nbgrader.preprocessors import OverwriteCells

    notebook = spec.name + ".ipynb"
    problems = []
    restorer = OverwriteCells()
    order = [c.name for c in spec.source_cells]
    for grade in spec.grade_cells:
        if grade.name in counts:
            continue
        source = spec.source_cell(grade.name)
        restored = restorer.missing_cell_transform(source, grade.max_score,
                                                   is_solution=grade.name in spec.solution_cells)
        nb.cells.insert(_insertion_index(nb, order, grade.name), restored)
        counts[grade.name] = 1
        problems.append(problem("missing-cell", f"cell {grade.name!r} "
                                f"({grade.max_score:g} points) was deleted; the released version "
                                "was put back and run", notebook, grade.name))
    for task in spec.task_cells:
        if task.name not in counts:
            problems.append(problem("missing-cell", f"task cell {task.name!r} was deleted",
                                    notebook, task.name))
    return problems


def _checksums(spec: NotebookSpec, name: str, config=None) -> set:
    """The checksums a cell may carry: the gradebook's, and nbgrader's checksum of the cell as
    released (for a test cell the gradebook's includes its hidden tests, the release's not)."""
    from nbgrader.utils import compute_checksum

    source = spec.source_cell(name)
    text = released_source(source.source, config) if source.locked else source.source
    cell = NotebookNode(cell_type=source.cell_type, source=text,
                        metadata=NotebookNode(nbgrader=NotebookNode(_master_metadata(spec, name))))
    try:
        released = compute_checksum(cell)
    except Exception:  # noqa: BLE001 - an unusual cell: only the gradebook's checksum counts
        released = None
    return {source.checksum, released} - {None}


def _insertion_index(nb: NotebookNode, order: list[str], name: str) -> int:
    """Where a deleted master cell goes back: after the closest earlier master cell still in the
    notebook, else before the closest later one, else at the end."""
    position = {}
    for i, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if meta and meta.get("grade_id") in order:
            position[meta["grade_id"]] = i  # the last copy wins, as in DeduplicateIds
    k = order.index(name)
    for earlier in reversed(order[:k]):
        if earlier in position:
            return position[earlier] + 1
    for later in order[k + 1:]:
        if later in position:
            return position[later]
    return len(nb.cells)


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


