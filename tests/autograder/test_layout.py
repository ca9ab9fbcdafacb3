"""One home per concept: the grading engine knows no assignment and ships no answers; each
assignment's content sits in its own folder beside its notebook."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder import content
from autograder.trusted import given

ENGINE = Path(content.__file__).resolve().parent
REPO = ENGINE.parent


def _engine_modules():
    return sorted(ENGINE.rglob("*.py"))


def _docstrings(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _names_in_code(path: Path) -> list[tuple[int, str]]:
    """Every identifier and every string (docstrings excepted) in a module's code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            found += [(node.lineno, word) for word in node.value.replace(".", " ").split()]
        elif isinstance(node, ast.Name):
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            found += [(node.lineno, part) for alias in node.names
                      for part in f"{module}.{alias.name}".split(".")]
    return found


def test_the_engine_names_no_assignment():
    # nnlib has modules called "activations" and "regularization": given.py lists them as such.
    nnlib_modules = set(given.SUBMODULES)
    offenders = []
    for path in _engine_modules():
        for line, word in _names_in_code(path):
            if word in content.assignments() and not (path.name == "given.py"
                                                      and word in nnlib_modules):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {word}")
    assert not offenders, "the engine names assignments:\n" + "\n".join(offenders)


def test_the_engine_imports_neither_the_tests_nor_the_explorers():
    offenders = []
    for path in _engine_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module or ""]
            else:
                continue
            offenders += [f"{path.relative_to(REPO)}:{node.lineno}: {m}" for m in modules
                          if m.split(".")[0] in ("tests", "explorers", "bench")]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("assignment", content.assignments())
def test_each_assignment_keeps_its_content_beside_its_notebook(assignment):
    folder = content.package_dir()
    assert (folder / "source" / assignment / f"{assignment}.ipynb").is_file()
    assert {p.name for p in (folder / assignment).glob("*.py")} >= {
        "__init__.py", "checks.py", "mistakes.py"}
    assert isinstance(content.given_of(assignment), frozenset)
    assert all(m.assignment == assignment for m in content.mistakes_of(assignment))


def test_nothing_but_the_notebook_sits_in_an_assignments_source_folder():
    """nbgrader copies every file of source/NAME/ into the student version."""
    for assignment in content.assignments():
        files = [p.name for p in (content.package_dir() / "source" / assignment).iterdir()
                 if p.name != ".ipynb_checkpoints"]
        assert files == [f"{assignment}.ipynb"], files


def test_sandboxes_see_the_content_but_never_the_course_folder():
    """The course folder also holds the solutions, hidden tests and other students' work."""
    paths = content.checks_sources()
    assert content.package_dir() not in paths
    assert all(path.exists() for path in paths)
    assert not any(path.is_dir() and (path / "source").exists() for path in paths)
