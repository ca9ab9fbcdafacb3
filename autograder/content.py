"""Where the grading engine finds the course's exercise content, and nothing else.

The engine names no assignment. A course's content is one Python package (this repository's is
``exercises``, see its ``__init__``) with

- ``ASSIGNMENTS``: the assignment names, in course order;
- per assignment, a subpackage ``NAME`` with ``GIVEN`` (the nnlib names it hands to learner
  code), ``NAME.checks`` (registers its parts with :func:`autograder.checks.register`) and
  ``NAME.mistakes`` (``MISTAKES``, its bank of known mistakes);
- ``standins``: plain copies of the nnlib classes that any ``GIVEN`` names, for the isolated
  run, which has no nnlib (see :mod:`autograder.trusted.given`).

Importing this module imports nothing of the course: the functions below do, when called.
"""
from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache
from pathlib import Path
from types import ModuleType

#: The package that holds the course's exercise content.
PACKAGE = "exercises"


@lru_cache(maxsize=1)
def assignments() -> tuple[str, ...]:
    """The course's assignment names, in course order."""
    return tuple(importlib.import_module(PACKAGE).ASSIGNMENTS)


def _assignment_module(assignment: str, submodule: str | None = None) -> ModuleType:
    if assignment not in assignments():
        raise KeyError(f"no assignment {assignment!r} in {PACKAGE}.ASSIGNMENTS "
                       f"{list(assignments())}")
    name = f"{PACKAGE}.{assignment}" + (f".{submodule}" if submodule else "")
    return importlib.import_module(name)


def load_checks() -> None:
    """Import every assignment's checks, which registers their parts (in course order)."""
    for assignment in assignments():
        _assignment_module(assignment, "checks")


def mistakes_of(assignment: str) -> tuple:
    """The known mistakes of one assignment (its ``mistakes.MISTAKES``)."""
    return tuple(_assignment_module(assignment, "mistakes").MISTAKES)


def given_of(assignment: str) -> frozenset[str]:
    """The nnlib names an assignment hands to learner code (``Class`` or ``Class.method``);
    empty for a name that is not one of the course's assignments."""
    if assignment not in assignments():
        return frozenset()
    return frozenset(_assignment_module(assignment).GIVEN)


def standins_module_name() -> str:
    return f"{PACKAGE}.standins"


def standins() -> ModuleType:
    """The module of stand-in classes for the isolated run."""
    return importlib.import_module(standins_module_name())


@lru_cache(maxsize=1)
def package_dir() -> Path:
    """The folder of the content package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"the course package {PACKAGE!r} is not installed")
    return Path(spec.origin).resolve().parent


def source_paths() -> tuple[Path, ...]:
    """The content's Python files, for a sandbox to mount read-only: the package's
    ``__init__.py`` and ``standins.py`` and each assignment's folder. Never the package folder
    itself, which is also the nbgrader course directory (solutions, hidden tests, submissions)."""
    root = package_dir()
    return (root / "__init__.py", root / "standins.py",
            *(root / assignment for assignment in assignments()))


def checks_sources() -> tuple[Path, ...]:
    """Everything a sandboxed process needs to import ``autograder.checks``: the engine's
    modules it imports and the course's content. Not the rest of the engine."""
    from autograder.address import SOURCE_PYPROJECT

    engine = Path(__file__).resolve().parent
    # The checks' links read the course's address from pyproject.toml where it exists (a source
    # tree), so that a sandbox finds the same address as the grader.
    address = (SOURCE_PYPROJECT,) if SOURCE_PYPROJECT.is_file() else ()
    return (engine / "__init__.py", engine / "content.py", engine / "address.py",
            engine / "hints.py", engine / "mistakes.py", engine / "checks", *address,
            *source_paths())
