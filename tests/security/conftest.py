"""The adversarial corpus, graded once per session by ``autograder grade`` (see attack_corpus.py).

``graded_corpus`` (session) builds the corpus course in a temporary folder (the activations
exercise released, a secret planted beside it, one submission per attack plus the honest ones),
records what must not change (the instructor's folder, the victim's submission), runs
``autograder grade activations --workers 2`` once, and gathers everything the tests look at:
the gradebook's scores, the problems list, the graded notebooks' outputs, and what is left on
the machine afterwards (files named after the write marker, processes the attacks started).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from attack_corpus import (ASSIGNMENT, ATTACKS, NOTEBOOK, NOTEBOOK_TIMEOUT, REPO, VICTIM,
                           Context, make_course, orphans, planted_files)

BIN = str(Path(sys.executable).parent)


def tree_digest(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under ``root``."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def output_text(cell: dict) -> str:
    """Everything a cell of a graded notebook showed (not its source)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(_join(output.get("text", "")))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
            parts.extend(output.get("traceback", []))
        else:
            parts.extend(_join(v) for v in (output.get("data") or {}).values()
                         if isinstance(v, (str, list)))
    return "\n".join(parts)


def _join(text) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


@dataclass
class GradedCorpus:
    ctx: Context
    course: Path
    stdout: str
    stderr: str
    returncode: int
    seconds: float
    scores: dict  # student -> {cell: (auto_score, max_score, needs_manual_grade)}
    graded: set  # students with a completion row
    problems: dict  # student -> [problem]
    outputs: dict  # student -> [(grade id or "", output text)] for each cell of the graded notebook
    notebook_bytes: dict  # student -> size of the graded notebook
    source_before: dict
    source_after: dict
    victim_before: dict
    victim_after: dict
    planted: list
    orphans: list
    tables: list = field(default_factory=list)

    def total(self, student: str) -> float:
        return sum(score or 0.0 for score, _, _ in self.scores.get(student, {}).values())

    def kinds(self, student: str) -> set[str]:
        return {p["kind"] for p in self.problems.get(student, [])}

    def text(self, student: str) -> str:
        """Everything the grader produced for ``student`` that a submission could write into:
        the graded notebook's outputs and the problems' messages."""
        return "\n".join([text for _, text in self.outputs.get(student, [])]
                         + [p["message"] for p in self.problems.get(student, [])])

    def own_text(self, student: str) -> str:
        """The same without the test cells' outputs (whose tracebacks quote their hidden tests,
        which the graded notebook shows anyway, as nbgrader's feedback does)."""
        return "\n".join([text for cell, text in self.outputs.get(student, [])
                          if not cell.startswith("test-")]
                         + [p["message"] for p in self.problems.get(student, [])])


def _scores(course: Path) -> dict:
    with sqlite3.connect(course / "gradebook.db") as db:
        rows = db.execute(
            "select sa.student_id, bc.name, g.auto_score, gc.max_score, g.needs_manual_grade "
            "from grade g join submitted_notebook sn on g.notebook_id = sn.id "
            "join submitted_assignment sa on sn.assignment_id = sa.id "
            "join base_cell bc on g.cell_id = bc.id "
            "join grade_cells gc on gc.id = g.cell_id").fetchall()
    found: dict = {}
    for student, cell, score, max_score, review in rows:
        found.setdefault(student, {})[cell] = (score, max_score, bool(review))
    return found


@pytest.fixture(scope="session")
def graded_corpus(tmp_path_factory) -> GradedCorpus:
    root = tmp_path_factory.mktemp("security")
    course = root / "course"
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    ctx = make_course(course, root / "secret", env=env)
    source_before = tree_digest(course / "source")
    victim_before = tree_digest(course / "submitted" / VICTIM)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2",
         "--timeout", str(NOTEBOOK_TIMEOUT), "--no-progress"],
        cwd=course, env=env, capture_output=True, text=True, timeout=1800)
    seconds = time.monotonic() - started
    with sqlite3.connect(course / "gradebook.db") as db:
        graded = {row[0] for row in db.execute("select student from autograder_graded")}
        tables = [row[0] for row in db.execute("select name from sqlite_master")]
    problems: dict = {}
    problems_file = course / "autograded" / "problems.json"
    for item in json.loads(problems_file.read_text()) if problems_file.exists() else []:
        problems.setdefault(item["student"], []).append(item)
    outputs, sizes = {}, {}
    for attack in ATTACKS:
        path = course / "autograded" / attack.name / ASSIGNMENT / NOTEBOOK
        if path.exists():
            sizes[attack.name] = path.stat().st_size
            outputs[attack.name] = [
                ((c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") or "",
                 output_text(c)) for c in json.loads(path.read_text())["cells"]]
    time.sleep(1.0)  # let anything an attack left behind show itself
    return GradedCorpus(
        ctx=ctx, course=course, stdout=done.stdout, stderr=done.stderr,
        returncode=done.returncode, seconds=seconds, scores=_scores(course), graded=graded,
        problems=problems, outputs=outputs, notebook_bytes=sizes,
        source_before=source_before, source_after=tree_digest(course / "source"),
        victim_before=victim_before, victim_after=tree_digest(course / "submitted" / VICTIM),
        planted=planted_files(ctx, [course, ctx.site_packages, REPO, root]),
        orphans=orphans(ctx), tables=tables)
