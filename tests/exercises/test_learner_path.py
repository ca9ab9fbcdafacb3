"""The learner's path as written: the notebooks' text, their stubs and the README's commands.

A learner follows the words: a module the text recommends must be imported by the setup cell,
a stub must not give away what its part asks to work out, and the commands of "For learners" in
``exercises/README.md`` must run as given (the slow test runs the nbgrader step).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exercise_tools import EXERCISES, cell_id, read, solution_region, source_path

#: The assignments whose notebooks this file holds to the learner's path (architectures has its
#: own maintainer and tests).
ASSIGNMENTS = ("fundamentals", "backpropagation", "activations", "optimizers", "regularization",
               "interview")
#: Modules the notebooks' text may recommend by name (`math.sqrt(2)`, `np.where`...); names
#: imported from a module (`erf` from `scipy.special`) are the text's own business.
MODULES = ("math", "np")
_CODE_SPAN = re.compile(r"`([^`]+)`")


def _setup_names(assignment: str) -> set[str]:
    """The names the setup cell defines, by running it (it imports the checks, as a learner's)."""
    setup = next(c for c in read(source_path(assignment)).cells if cell_id(c) == "setup")
    namespace: dict = {}
    exec(compile(setup.source, f"<setup of {assignment}>", "exec"), namespace)
    return set(namespace)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_setup_cell_imports_every_module_the_text_recommends(assignment):
    names = _setup_names(assignment)
    recommended = set()
    for cell in read(source_path(assignment)).cells:
        if cell.cell_type != "markdown":
            continue
        for span in _CODE_SPAN.findall(cell.source):
            recommended |= {m for m in MODULES if re.search(rf"(?<![\w.]){m}\.\w", span)}
    missing = recommended - names
    assert not missing, f"{assignment}: the text uses {sorted(missing)} but the setup cell does not import it"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stubs_do_not_give_away_what_the_task_asks_to_work_out(assignment):
    """A part whose description says "work out" keeps the answer out of what is released: the
    solution's key expression (its first line) must not be in the stub's docstring."""
    cells = read(source_path(assignment)).cells
    by_id = {cell_id(c): c for c in cells if cell_id(c)}
    for key, description in by_id.items():
        if not key.startswith("description-") or "work out" not in description.source:
            continue
        answer = by_id["answer-" + key.removeprefix("description-")].source
        stub = answer.replace(solution_region(answer), "")
        solution = [line.strip() for line in solution_region(answer).splitlines()
                    if line.strip() and not line.strip().startswith("###")]
        # e.g. "bound = np.sqrt(6.0 / (fan_in + fan_out))": its right-hand side's numbers
        numbers = re.findall(r"\d+(?:\.\d+)?", solution[0].split("=", 1)[-1])
        for number in numbers:
            given = re.search(rf"sqrt\(\s*{number.split('.')[0]}\b", stub)
            assert not given, f"{key}: the released stub gives away {given.group(0)!r}:\n{stub}"


def _learner_commands() -> list[str]:
    """The bash block of "For learners" that makes a student notebook from a clone."""
    text = (EXERCISES / "README.md").read_text()
    section = text.split("## For learners", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    block = next(b for b in blocks if "nbgrader generate_assignment" in b)
    return [line.split("#", 1)[0].strip() for line in block.splitlines()
            if line.split("#", 1)[0].strip()]


def test_for_learners_activates_the_environment_before_nbgrader_and_installs_nbgrader():
    commands = _learner_commands()
    activate = next(i for i, c in enumerate(commands) if c.startswith("source ")
                    and c.endswith("/bin/activate"))
    install = next(i for i, c in enumerate(commands) if c.startswith("pip install"))
    nbgrader = next(i for i, c in enumerate(commands) if c.startswith("nbgrader "))
    assert activate < install < nbgrader
    assert "-r requirements.txt" in commands[install] and "nbgrader" in (
        EXERCISES.parent / "requirements.txt").read_text()


@pytest.mark.slow
def test_for_learners_nbgrader_step_runs_with_only_the_activated_environment_on_path(tmp_path):
    """The README's commands from `source .venv/bin/activate` on, in a copy of the exercises,
    with this test's environment standing for the learner's `.venv` and nothing else of it on
    PATH (which is what made `nbgrader` fail with FileNotFoundError: 'alembic')."""
    venv_bin = Path(sys.executable).parent
    activate = venv_bin / "activate"
    if not activate.exists():
        pytest.skip(f"{sys.executable} is not in a virtual environment with bin/activate")
    shutil.copytree(EXERCISES / "source", tmp_path / "exercises" / "source")
    shutil.copy(EXERCISES / "nbgrader_config.py", tmp_path / "exercises" / "nbgrader_config.py")
    commands = _learner_commands()
    start = next(i for i, c in enumerate(commands) if c.startswith("source "))
    steps = [f"source {activate}" if c.startswith("source ") else c
             for c in commands[start:] if not c.startswith("pip install")]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONWARNINGS")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if Path(p).resolve() != venv_bin.resolve())
    done = subprocess.run(["bash", "-c", " && ".join(steps)], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert done.returncode == 0, f"{' && '.join(steps)}\n{done.stdout[-4000:]}"
    assert (tmp_path / "exercises" / "release" / "fundamentals" / "fundamentals.ipynb").is_file()
