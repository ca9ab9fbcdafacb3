"""What every grading process and sandbox would otherwise pay again at start-up."""
import importlib.util
import subprocess
import sys
from pathlib import Path

from autograder.grading import compile_sandbox_sources
from autograder.sandbox_kernel import kernel_sources
from autograder.trusted.scoring import trusted_sources


def test_the_grading_tools_start_without_the_iri_parsers():
    code = ("import sys, autograder, nbformat, jsonschema; "
            "jsonschema.validate({'a': 1}, {'type': 'object'}); "
            "print(sys.modules.get('rfc3987_syntax') is None)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "True"


def test_the_packages_every_sandbox_imports_are_compiled_before_grading():
    sources = [path for source in kernel_sources() + trusted_sources()
               for path in (sorted(source.rglob("*.py")) if source.is_dir() else [source])]
    assert any(path.name == "runner.py" for path in sources)
    cached = {path: Path(importlib.util.cache_from_source(str(path))) for path in sources}
    for pyc in cached.values():
        pyc.unlink(missing_ok=True)
    compile_sandbox_sources()
    for path, pyc in cached.items():
        assert pyc.exists() and pyc.stat().st_mtime >= path.stat().st_mtime, path
