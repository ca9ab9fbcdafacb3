"""What every grading process and sandbox would otherwise pay again at start-up."""
import importlib.util
import subprocess
import sys
from pathlib import Path

from autograder.grading import compile_sandbox_sources
from autograder.sandbox_kernel import kernel_sources
from autograder.trusted.scoring import trusted_sources


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_grading_tools_start_without_the_iri_parsers():
    code = ("import sys\n"
            "from autograder import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "import nbformat, jsonschema\n"
            "jsonschema.validate({'a': 1}, {'type': 'object'})\n"
            "print(sys.modules.get('rfc3987_syntax') is None)")
    assert _run(code).splitlines()[-1] == "True"


def test_importing_the_checks_changes_nothing_in_a_learners_process():
    code = ("import sys, autograder, autograder.checks\n"
            "print(sys.modules.get('rfc3987_syntax', 'absent'))")
    assert _run(code) == "absent"


def test_the_packages_every_sandbox_imports_are_compiled_before_grading():
    sources = [path for source in kernel_sources() + trusted_sources()
               for path in (sorted(source.rglob("*.py")) if source.is_dir() else [source])
               if path.suffix == ".py"]
    assert any(path.name == "runner.py" for path in sources)
    cached = {path: Path(importlib.util.cache_from_source(str(path))) for path in sources}
    for pyc in cached.values():
        pyc.unlink(missing_ok=True)
    compile_sandbox_sources()
    for path, pyc in cached.items():
        assert pyc.exists() and pyc.stat().st_mtime >= path.stat().st_mtime, path
