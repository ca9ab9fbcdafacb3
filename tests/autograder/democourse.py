"""A small, complete nbgrader course for testing the autograder (imported as ``democourse``).

It holds its own answers, so it lives with the tests, never in the ``autograder`` package that
grading kernels may read. (Instructors try the autograder on a real exercise instead: see
``autograder.practice``.) ``bench/grading.py --assignment ps1`` grades it too.

``make_course(root, students)`` writes an nbgrader course directory::

    root/nbgrader_config.py
    root/source/ps1/ps1.ipynb            instructor version: solutions and hidden tests
    root/submitted/<student>/ps1/ps1.ipynb  (after ``add_submissions``)

The assignment ``ps1`` has three autograded parts, each answered in a solution cell and checked
by a locked test cell with visible and hidden tests:

=================  ======  ==============================================================
part (grade id)    points  what it asks for
=================  ======  ==============================================================
test_sigmoid       2       a numerically stable logistic sigmoid, no overflow at |x|=1000
test_relu_grad     1       the ReLU derivative, 0 at the kink (PyTorch's convention)
test_mse           2       the mean squared error, averaged over every element
=================  ======  ==============================================================

Submissions are made from the *released* notebook (``release/ps1/ps1.ipynb``, produced by
``autograder release ps1``) by filling its answer cells, exactly as a learner would; the
``VARIANTS`` table names every kind this module can make: correct, blank, each classic mistake,
and malformed notebooks (invalid JSON, duplicated or deleted test cells, edited tests, a cell that
never finishes, a kernel that dies).
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

ASSIGNMENT = "ps1"
NOTEBOOK = "ps1"

#: Answers for each part: "correct" plus classic mistakes, by part.
ANSWERS = {
    "sigmoid": {
        "correct": (
            "def sigmoid(x):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    e = np.exp(-np.abs(x))\n"
            "    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n"
        ),
        # overflows in exp for large negative x: numpy warns on stderr, which fails the cell
        "overflow": (
            "def sigmoid(x):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    return 1.0 / (1.0 + np.exp(-x))\n"
        ),
        "wrong_sign": (
            "def sigmoid(x):\n"
            "    x = np.asarray(x, dtype=float)\n"
            "    return 1.0 / (1.0 + np.exp(np.clip(x, -500, 500)))\n"
        ),
    },
    "relu_grad": {
        "correct": (
            "def relu_grad(x):\n"
            "    return (np.asarray(x) > 0).astype(float)\n"
        ),
        "one_at_zero": (
            "def relu_grad(x):\n"
            "    return (np.asarray(x) >= 0).astype(float)\n"
        ),
    },
    "mse": {
        "correct": (
            "def mse(pred, target):\n"
            "    pred, target = np.asarray(pred, float), np.asarray(target, float)\n"
            "    return float(np.mean((pred - target) ** 2))\n"
        ),
        "sum_not_mean": (
            "def mse(pred, target):\n"
            "    pred, target = np.asarray(pred, float), np.asarray(target, float)\n"
            "    return float(np.sum((pred - target) ** 2))\n"
        ),
        # right for a vector, but for a batch it averages over rows and sums over columns
        "mean_over_rows_only": (
            "def mse(pred, target):\n"
            "    pred, target = np.asarray(pred, float), np.asarray(target, float)\n"
            "    return float(np.sum(np.mean((pred - target) ** 2, axis=0)))\n"
        ),
    },
}

PART_POINTS = {"test_sigmoid": 2.0, "test_relu_grad": 1.0, "test_mse": 2.0}
MAX_SCORE = sum(PART_POINTS.values())

_TESTS = {
    "sigmoid": (
        "# visible tests: run these yourself with `autograder check ps1.ipynb`\n"
        "assert np.isclose(sigmoid(0.0), 0.5), f'sigmoid(0) should be 0.5, got {sigmoid(0.0)}'\n"
        "assert np.allclose(sigmoid(np.array([-2.0, 2.0])), [0.11920292, 0.88079708]), "
        "'[known mistake: sigmoid-wrong-sign] sigmoid(+-2) is wrong: check the sign of the "
        "exponent'\n"
        "### BEGIN HIDDEN TESTS\n"
        "big = sigmoid(np.array([-1000.0, 1000.0]))\n"
        "assert np.all(np.isfinite(big)) and np.allclose(big, [0.0, 1.0]), "
        "'sigmoid must not overflow at |x| = 1000'\n"
        "### END HIDDEN TESTS\n"
    ),
    "relu_grad": (
        "assert np.allclose(relu_grad(np.array([-1.0, 2.0])), [0.0, 1.0])\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert relu_grad(np.array([0.0]))[0] == 0.0, "
        "'[known mistake: relu-grad-one-at-zero] the ReLU derivative at 0 is 0 (the convention "
        "PyTorch uses)'\n"
        "### END HIDDEN TESTS\n"
    ),
    "mse": (
        "assert np.isclose(mse([1.0, 2.0], [1.0, 4.0]), 2.0), "
        "'[known mistake: mse-sum-not-mean] MSE averages the squared errors (use the mean, "
        "not the sum)'\n"
        "### BEGIN HIDDEN TESTS\n"
        "p = np.array([[1.0, 2.0], [3.0, 4.0]])\n"
        "assert np.isclose(mse(p, np.zeros_like(p)), 7.5), "
        "'[known mistake: mse-mean-over-rows] MSE averages over every element, not only over "
        "rows'\n"
        "### END HIDDEN TESTS\n"
    ),
}

_STUBS = {
    "sigmoid": "def sigmoid(x):\n",
    "relu_grad": "def relu_grad(x):\n",
    "mse": "def mse(pred, target):\n",
}


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    nbgrader = {"grade": grade, "grade_id": grade_id, "locked": locked,
                "schema_version": 3, "solution": solution, "task": False}
    if grade:
        nbgrader["points"] = points
    return {"nbgrader": nbgrader}


def _code(source, metadata=None):
    return {"cell_type": "code", "execution_count": None, "metadata": metadata or {},
            "outputs": [], "source": source}


def _markdown(source, metadata=None):
    return {"cell_type": "markdown", "metadata": metadata or {}, "source": source}


def source_notebook() -> dict:
    """The instructor's version of ps1 (nbformat 4 JSON): solutions and hidden tests inside."""
    cells = [
        _markdown("# Problem set 1: a sigmoid, a ReLU derivative and a loss\n\n"
                  "Fill in each cell marked `YOUR CODE HERE`, then run the tests below it."),
        _code("import numpy as np", _meta("imports", locked=True)),
    ]
    titles = {"sigmoid": "## 1. A stable sigmoid (2 points)\n\n"
                         "$\\sigma(x) = \\frac{1}{1 + e^{-x}}$, with no overflow for any $x$.",
              "relu_grad": "## 2. The ReLU derivative (1 point)",
              "mse": "## 3. Mean squared error (2 points)\n\n"
                     "$$\\mathrm{MSE} = \\frac{1}{N} \\sum_{i=1}^{N} (p_i - t_i)^2$$"}
    for part in ("sigmoid", "relu_grad", "mse"):
        body = ANSWERS[part]["correct"][len(_STUBS[part]):]
        answer = _STUBS[part] + "    ### BEGIN SOLUTION\n" + body + "    ### END SOLUTION\n"
        cells.append(_markdown(titles[part]))
        cells.append(_code(answer, _meta(part, solution=True)))
        grade_id = f"test_{part}"
        cells.append(_code(_TESTS[part], _meta(grade_id, grade=True, locked=True,
                                               points=PART_POINTS[grade_id])))
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:02d}"
    return {"cells": cells,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


NBGRADER_CONFIG = """\
c = get_config()  # noqa: F821 (defined by traitlets when this file is loaded)
c.CourseDirectory.course_id = "demo"
# Each notebook cell may run this long before the kernel is interrupted (nbgrader's Execute).
c.Execute.timeout = {cell_timeout}
"""


def make_course(root: str | Path, cell_timeout: int = 30) -> Path:
    """Write an nbgrader course with the instructor's version of ps1; return its root."""
    root = Path(root)
    (root / "source" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(NBGRADER_CONFIG.format(cell_timeout=cell_timeout))
    with open(root / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", "w") as f:
        json.dump(source_notebook(), f, indent=1)
    return root


# ---------------------------------------------------------------------------------------------
# Submissions

def _answer_cell(nb: dict, part: str) -> dict:
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == part:
            return cell
    raise KeyError(f"no answer cell {part!r} in the notebook")


def _cell_index(nb: dict, grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(f"no cell {grade_id!r} in the notebook")


def answered(release: dict, choices: dict[str, str | None]) -> dict:
    """A copy of the released notebook with each part answered as ``choices[part]`` names
    (a key of ``ANSWERS[part]``), or left blank where the choice is None."""
    nb = copy.deepcopy(release)
    for part, choice in choices.items():
        if choice is not None:
            _answer_cell(nb, part)["source"] = ANSWERS[part][choice]
    return nb


def _join(source) -> str:
    return "".join(source) if isinstance(source, list) else source


#: Every kind of submission: name -> (well_formed, description). Malformed kinds are reported as
#: problems; well-formed ones must score exactly what plain ``nbgrader autograde`` gives.
VARIANTS = {
    "correct": (True, "every part right"),
    "blank": (True, "the release, unanswered"),
    "sigmoid_overflow": (True, "sigmoid overflows for large negative x (warns on stderr)"),
    "sigmoid_wrong_sign": (True, "sigmoid with the wrong sign in the exponent"),
    "relu_one_at_zero": (True, "ReLU derivative 1 at 0"),
    "mse_sum": (True, "MSE sums instead of averaging"),
    "mse_rows": (True, "MSE averages over rows only"),
    "mixed": (True, "a random mixture of right, wrong and blank parts"),
    "invalid_json": (False, "the file is not valid JSON"),
    "duplicate_test": (False, "a test cell pasted twice (duplicated grade id)"),
    "deleted_test": (False, "a test cell deleted"),
    "edited_test": (False, "a test cell's asserts removed (checksum changed)"),
    "changed_points": (False, "a test cell's points raised in its metadata"),
    "infinite_loop": (False, "a cell that never finishes"),
    "kernel_dies": (False, "a cell that kills the kernel"),
    "missing_notebook": (False, "the notebook is missing from the submission"),
}


def make_submission(release: dict, variant: str, rng: random.Random) -> bytes | None:
    """The bytes of one submitted ps1.ipynb of the given kind (None: no notebook at all)."""
    all_correct = {p: "correct" for p in ANSWERS}
    if variant == "correct":
        nb = answered(release, all_correct)
    elif variant == "blank":
        nb = copy.deepcopy(release)
    elif variant == "sigmoid_overflow":
        nb = answered(release, {**all_correct, "sigmoid": "overflow"})
    elif variant == "sigmoid_wrong_sign":
        nb = answered(release, {**all_correct, "sigmoid": "wrong_sign"})
    elif variant == "relu_one_at_zero":
        nb = answered(release, {**all_correct, "relu_grad": "one_at_zero"})
    elif variant == "mse_sum":
        nb = answered(release, {**all_correct, "mse": "sum_not_mean"})
    elif variant == "mse_rows":
        nb = answered(release, {**all_correct, "mse": "mean_over_rows_only"})
    elif variant == "mixed":
        nb = answered(release, {p: rng.choice(list(ANSWERS[p]) + [None]) for p in ANSWERS})
    elif variant == "invalid_json":
        text = json.dumps(answered(release, all_correct), indent=1)
        return text[: len(text) // 2].encode()
    elif variant == "duplicate_test":
        nb = answered(release, all_correct)
        i = _cell_index(nb, "test_mse")
        nb["cells"].insert(i + 1, copy.deepcopy(nb["cells"][i]))
    elif variant == "deleted_test":
        nb = answered(release, all_correct)
        del nb["cells"][_cell_index(nb, "test_relu_grad")]
    elif variant == "edited_test":
        # a wrong answer whose test has been emptied so that it "passes"
        nb = answered(release, {**all_correct, "mse": "sum_not_mean"})
        nb["cells"][_cell_index(nb, "test_mse")]["source"] = "# tests removed\n"
    elif variant == "changed_points":
        nb = answered(release, all_correct)
        nb["cells"][_cell_index(nb, "test_relu_grad")]["metadata"]["nbgrader"]["points"] = 100.0
    elif variant == "infinite_loop":
        nb = answered(release, all_correct)
        cell = _answer_cell(nb, "relu_grad")
        cell["source"] = _join(cell["source"]) + "\nwhile True:\n    pass\n"
    elif variant == "kernel_dies":
        nb = answered(release, all_correct)
        cell = _answer_cell(nb, "relu_grad")
        cell["source"] = _join(cell["source"]) + "\nimport os\nos._exit(1)\n"
    elif variant == "missing_notebook":
        return None
    else:
        raise ValueError(f"unknown submission variant {variant!r}; expected one of {sorted(VARIANTS)}")
    return json.dumps(nb, indent=1).encode()


def add_submissions(root: str | Path, variants: list[str], seed: int = 0) -> dict[str, str]:
    """Write one submission per entry of ``variants`` into ``root/submitted``.

    Students are named ``s001``, ``s002``, ... in order. Needs ``release/ps1/ps1.ipynb`` (run
    ``autograder release ps1`` first). Returns {student_id: variant}.
    """
    root = Path(root)
    release_path = root / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    if not release_path.exists():
        raise FileNotFoundError(f"{release_path} does not exist: release the assignment first")
    release = json.loads(release_path.read_text())
    rng = random.Random(seed)
    roster = {}
    for i, variant in enumerate(variants, start=1):
        student = f"s{i:03d}"
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        data = make_submission(release, variant, rng)
        if data is not None:
            (folder / f"{NOTEBOOK}.ipynb").write_bytes(data)
        else:
            (folder / "README.txt").write_text("I forgot to upload my notebook.\n")
        roster[student] = variant
    return roster


def class_of(n_students: int, malformed: bool = True, seed: int = 0) -> list[str]:
    """A list of ``n_students`` variants: every kind at least once (malformed ones only if
    ``malformed``), the rest a random mixture of well-formed kinds."""
    kinds = [v for v, (ok, _) in VARIANTS.items() if ok or malformed]
    rng = random.Random(seed)
    well_formed = [v for v, (ok, _) in VARIANTS.items() if ok]
    out = kinds[:n_students]
    out += [rng.choice(well_formed) for _ in range(n_students - len(out))]
    return out
