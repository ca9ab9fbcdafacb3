"""nnlib is the library and nothing else: it never imports the explorers, the grader or the book.

Dependencies point down (DESIGN.md, "One home per concept"): the explorers, the autograder, the
exercises, the benchmarks, the tests and the book import nnlib, never the other way round. Two
checks: every import statement in nnlib's source (read with ``ast``, so an import inside a
function or an ``if`` counts too), and what ``import nnlib`` actually loads in a fresh interpreter.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NNLIB = REPO_ROOT / "nnlib"

# The project's other top-level packages, and the book's Sphinx extension (chapters/_ext/nnbook.py,
# importable as ``nnbook`` while the book builds).
PROJECT_PACKAGES = frozenset(
    {"explorers", "autograder", "exercises", "bench", "tests", "chapters", "nnbook"})
# Heavy optional dependencies that only the explorers need (the ``widgets`` extra).
WIDGET_PACKAGES = frozenset({"matplotlib", "ipywidgets"})


def _module_name(path: Path) -> list[str]:
    """``nnlib/a/b.py`` -> ["nnlib", "a", "b"]; a package's ``__init__.py`` -> the package."""
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imported_modules(path: Path):
    """``(line, source, module)`` for every module the file at ``path`` imports, by any means.

    Relative imports are resolved against the file's package; one that climbs out of nnlib is
    reported as the module ``"<outside nnlib>"``. ``importlib.import_module("x")`` and
    ``__import__("x")`` with a literal name count as importing ``x``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path)[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, ast.unparse(node), alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, ast.unparse(node), node.module
            elif node.level - 1 >= len(package):
                yield node.lineno, ast.unparse(node), "<outside nnlib>"
            else:
                base = package[: len(package) - (node.level - 1)]
                yield node.lineno, ast.unparse(node), ".".join(base + [node.module or ""])
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")):
            yield node.lineno, ast.unparse(node), node.args[0].value


def test_no_nnlib_module_imports_another_part_of_the_project():
    sources = sorted(p for p in NNLIB.rglob("*.py") if "__pycache__" not in p.parts)
    assert len(sources) > 10, f"found only {len(sources)} modules under {NNLIB}"
    bad = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {source}"
        for path in sources
        for line, source, module in sorted(_imported_modules(path))
        if module.split(".")[0] in PROJECT_PACKAGES | {"<outside nnlib>"}
    ]
    assert not bad, "nnlib must import nothing of the project, but:\n" + "\n".join(bad)


def test_the_list_of_project_packages_names_every_top_level_folder_of_python_code():
    folders = {
        folder.name for folder in REPO_ROOT.iterdir()
        if folder.is_dir() and not folder.name.startswith((".", "_")) and folder.name != "nnlib"
        and any(True for _ in folder.rglob("*.py"))
    }
    assert folders <= PROJECT_PACKAGES, f"add {sorted(folders - PROJECT_PACKAGES)} to the list"


def test_importing_nnlib_loads_no_other_part_of_the_project_nor_the_widget_libraries():
    # Every submodule, not only those nnlib/__init__.py imports; in a fresh interpreter, so that
    # nothing this test session has already imported can hide a culprit.
    program = (
        "import json, pkgutil, importlib, sys\n"
        "import nnlib\n"
        "for info in pkgutil.walk_packages(nnlib.__path__, 'nnlib.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert "nnlib.train" in loaded  # the program did import nnlib's modules
    top_level = {name.split(".")[0] for name in loaded}
    unwanted = sorted(top_level & (PROJECT_PACKAGES | WIDGET_PACKAGES))
    assert not unwanted, f"import nnlib loaded {unwanted}"
