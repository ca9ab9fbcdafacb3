"""Unit tests of the book's Sphinx extension, chapters/_ext/nnbook.py (no book build needed)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from IPython.core.inputtransformer2 import TransformerManager
from sphinx.builders.html._assets import _JavaScript
from sphinx.errors import ExtensionError

from autograder import address

REPO_ROOT = Path(__file__).resolve().parents[2]
# An example repository (org and repo differ, so a swap shows); the course's own address is read
# from autograder.address where a test needs it.
REPO_URL = "https://github.com/example-org/example-course"


def _load_nnbook():
    spec = importlib.util.spec_from_file_location(
        "nnbook_under_test", REPO_ROOT / "chapters" / "_ext" / "nnbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


nnbook = _load_nnbook()


# --- vendored libraries -------------------------------------------------------------------------

def test_vendored_files_cover_mathjax_requirejs_and_the_widget_manager():
    files = nnbook.vendored_files()
    for needed in ("mathjax/tex-mml-chtml.js",
                   "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
                   "mathjax/input/tex/extensions/physics.js",
                   "mathjax/ui/menu.js",
                   "requirejs/require.js",
                   "html-manager/dist/embed-amd.js"):
        assert needed in files, f"{needed} is not vendored"
        assert files[needed].is_file()
    assert any(p.startswith("html-manager/dist/") and p.endswith(".woff2") for p in files)


def test_vendored_files_leave_out_mathjax_speech_rule_engine():
    files = nnbook.vendored_files()
    assert not [p for p in files if "/sre" in p or p.endswith("sre.js")]
    total = sum(src.stat().st_size for src in files.values())
    assert total < 20_000_000, f"vendored files weigh {total} bytes"


def test_vendored_files_name_the_missing_package(tmp_path):
    with pytest.raises(ExtensionError, match="'mathjax' is missing.*npm ci"):
        nnbook.vendored_files(tmp_path / "node_modules")


def test_stage_vendored_files_copies_only_what_changed_and_drops_stale_files(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.js").write_text("a")
    (source / "b.js").write_text("b")
    files = {"lib/a.js": source / "a.js", "lib/b.js": source / "b.js"}
    staging = tmp_path / "staging"
    assert nnbook.stage_vendored_files(staging, files) == 2
    assert nnbook.stage_vendored_files(staging, files) == 0
    (source / "a.js").write_text("a, longer")
    assert nnbook.stage_vendored_files(staging, files) == 1
    assert (staging / "vendor/lib/a.js").read_text() == "a, longer"
    del files["lib/b.js"]
    nnbook.stage_vendored_files(staging, files)
    assert not (staging / "vendor/lib/b.js").exists()


# --- duplicate scripts --------------------------------------------------------------------------

def test_remove_duplicate_scripts_treats_none_and_empty_filename_alike_in_place():
    thebe = "const THEBE_JS_URL = 1"
    scripts = [_JavaScript("doctools.js"), _JavaScript(None, body=thebe),
               _JavaScript("", body=thebe), _JavaScript(None, body="let other = 2"),
               _JavaScript("doctools.js")]
    same_list = scripts
    nnbook.remove_duplicate_scripts(None, "page", "page.html", {"script_files": scripts}, None)
    assert same_list is scripts
    assert [(s.filename, s.attributes.get("body")) for s in scripts] == [
        ("doctools.js", None), (None, thebe), (None, "let other = 2")]


# --- launch buttons -----------------------------------------------------------------------------

def test_launch_urls_open_the_notebook_on_the_given_branch():
    urls = nnbook.launch_urls(
        repo_url=REPO_URL, branch="notebooks", notebook_path="chapters/01_fundamentals.ipynb",
        binderhub_url="https://mybinder.org", colab_url="https://colab.research.google.com",
        jupyterhub_url="https://hub.example.edu/")
    assert urls["Colab"] == ("https://colab.research.google.com/github/example-org/"
                             "example-course/blob/notebooks/chapters/01_fundamentals.ipynb")
    assert urls["Binder"] == ("https://mybinder.org/v2/gh/example-org/example-course/"
                              "notebooks?urlpath=lab/tree/chapters/01_fundamentals.ipynb")
    hub = urlsplit(urls["JupyterHub"])
    assert hub.netloc == "hub.example.edu" and hub.path == "/hub/user-redirect/git-pull"
    assert parse_qs(hub.query) == {
        "repo": [REPO_URL], "branch": ["notebooks"],
        "urlpath": ["lab/tree/example-course/chapters/01_fundamentals.ipynb"]}


def test_launch_urls_leave_out_services_without_an_address():
    urls = nnbook.launch_urls(repo_url=REPO_URL, branch="b", notebook_path="x.ipynb",
                              colab_url="https://colab.research.google.com")
    assert set(urls) == {"Colab"}


def test_launch_urls_classic_interface_uses_tree():
    urls = nnbook.launch_urls(repo_url=REPO_URL, branch="b", notebook_path="x.ipynb",
                              binderhub_url="https://mybinder.org", interface="classic")
    assert urls["Binder"].endswith("?urlpath=tree/x.ipynb")


@pytest.mark.parametrize("bad", ["https://gitlab.com/a/b", "example-org/example-course"])
def test_launch_urls_reject_a_non_github_repository(bad):
    with pytest.raises(ValueError, match="github.com"):
        nnbook.launch_urls(repo_url=bad, branch="b", notebook_path="x.ipynb")


def test_launch_urls_reject_an_unknown_interface():
    with pytest.raises(ValueError, match="'lab'"):
        nnbook.launch_urls(repo_url=REPO_URL, branch="b", notebook_path="x.ipynb",
                           interface="lab")


# --- the course's address -----------------------------------------------------------------------

def _config(baseurl="", repository_url=""):
    """The two settings as Jupyter Book hands them to Sphinx, with another theme option beside."""
    return SimpleNamespace(html_baseurl=baseurl, nnbook_repository_url="", html_theme_options={
        "repository_url": repository_url, "use_repository_button": True})


def test_set_course_address_takes_both_urls_from_the_course_setting(monkeypatch):
    warnings = []
    monkeypatch.setattr(nnbook.logger, "warning", warnings.append)
    config = _config()
    nnbook.set_course_address(None, config)
    assert config.html_baseurl == address.book_url()
    assert config.html_theme_options == {"repository_url": address.repository_url(),
                                         "use_repository_button": True}
    assert config.nnbook_repository_url == address.repository_url()
    assert warnings == []


def test_set_course_address_reports_a_second_copy_in_the_book_config(monkeypatch):
    warnings = []
    monkeypatch.setattr(nnbook.logger, "warning", warnings.append)
    config = _config(baseurl="https://example.org/old-book/", repository_url=REPO_URL)
    nnbook.set_course_address(None, config)
    assert len(warnings) == 2
    assert "html.baseurl" in warnings[0] and "repository.url" in warnings[1]
    assert all("pyproject.toml" in w for w in warnings)
    assert config.html_baseurl == address.book_url()


def test_repository_file_url_links_the_file_on_github():
    assert (nnbook.repository_file_url("exercises/README.md", "main")
            == f"{address.repository_url()}/blob/main/exercises/README.md")


@pytest.mark.parametrize("path", ["exercises/no-such-file.ipynb", "", "/etc/passwd", "../README.md"])
def test_repository_file_url_refuses_a_path_outside_the_source_tree(path):
    with pytest.raises(ValueError, match="not a file or folder of the repository"):
        nnbook.repository_file_url(path, "main")


# --- the downloadable notebook's setup cell ---------------------------------------------------

class _FakeShell:
    """Stands in for IPython: records line magics; `%pip install` makes the course importable."""

    def __init__(self, real_modules):
        self.magics = []
        self.real_modules = real_modules

    def run_line_magic(self, name, line):
        self.magics.append((name, line))
        sys.modules.update(self.real_modules)


def _run_setup_cell(monkeypatch, missing: tuple[str, ...] = ()) -> list:
    import explorers
    import nnlib

    code = TransformerManager().transform_cell(nnbook.setup_cell_source(REPO_URL, "v1.2"))
    shell = _FakeShell({"nnlib": nnlib, "explorers": explorers})
    for name in missing:
        monkeypatch.setitem(sys.modules, name, None)  # makes `import name` fail
    exec(compile(code, "<setup cell>", "exec"), {"get_ipython": lambda: shell})
    return shell.magics


def test_setup_cell_does_nothing_when_nnlib_is_installed(monkeypatch, capsys):
    assert _run_setup_cell(monkeypatch) == []
    assert capsys.readouterr().out.startswith("nnlib ")


@pytest.mark.parametrize("missing", [("nnlib", "explorers"), ("explorers",)],
                         ids=["nothing installed", "an install from before the explorers"])
def test_setup_cell_installs_the_course_from_the_repository_when_missing(monkeypatch, capsys,
                                                                         missing):
    magics = _run_setup_cell(monkeypatch, missing)
    assert magics == [("pip", 'install --quiet "nn-from-scratch[widgets] @ '
                              f'git+{REPO_URL}.git@v1.2"')]
    assert capsys.readouterr().out.startswith("nnlib ")


def _notebook(minor=5, ids=("a1", "b2")):
    cells = [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
              "source": "x = 1", **({"id": i} if minor >= 5 else {})} for i in ids]
    return {"nbformat": 4, "nbformat_minor": minor, "cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"},
                         "source_map": [1, 2]}}


def test_add_setup_cell_puts_it_first_once():
    notebook = _notebook()
    assert nnbook.add_setup_cell(notebook, "import nnlib") is True
    assert nnbook.add_setup_cell(notebook, "import nnlib") is False
    first = notebook["cells"][0]
    assert first["source"] == "import nnlib" and first["metadata"]["tags"] == ["nnbook-setup"]
    assert len(notebook["cells"]) == 3
    assert "source_map" not in notebook["metadata"]
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


def test_add_setup_cell_gives_a_unique_id_from_nbformat_4_5_only():
    notebook = _notebook(ids=("nnbook-setup", "nnbook-setup-1"))
    nnbook.add_setup_cell(notebook, "import nnlib")
    assert notebook["cells"][0]["id"] == "nnbook-setup-2"
    old = _notebook(minor=4)
    nnbook.add_setup_cell(old, "import nnlib")
    assert "id" not in old["cells"][0]


def test_add_setup_cell_result_is_a_valid_notebook():
    import nbformat

    notebook = _notebook()
    nnbook.add_setup_cell(notebook, nnbook.setup_cell_source(REPO_URL, "main"))
    nbformat.validate(nbformat.from_dict(json.loads(json.dumps(notebook))))


def test_add_setup_cell_refuses_other_nbformat_versions():
    with pytest.raises(ValueError, match="nbformat 3"):
        nnbook.add_setup_cell({"nbformat": 3, "cells": []}, "import nnlib")


# --- re-execution when nnlib changes ------------------------------------------------------------

def test_source_digest_changes_with_any_source_file(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    (package / "sub" / "render.js").write_text("draw();\n")
    before = nnbook.source_digest(package)
    assert nnbook.source_digest(package) == before
    (package / "sub" / "b.py").write_text("y = 3\n")
    after_py = nnbook.source_digest(package)
    assert after_py != before
    (package / "sub" / "render.js").write_text("draw(2);\n")
    assert nnbook.source_digest(package) != after_py


def test_source_digest_ignores_bytecode(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    before = nnbook.source_digest(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0compiled")
    assert nnbook.source_digest(tmp_path) == before


def test_source_digest_includes_the_package_versions(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    assert (nnbook.source_digest(tmp_path, packages=("numpy",))
            != nnbook.source_digest(tmp_path, packages=("scipy",)))


def test_nnlib_digest_covers_the_imported_nnlib_explorers_and_autograder(monkeypatch):
    import autograder
    import explorers
    import nnlib

    packages = [Path(p.__file__).parent for p in (nnlib, explorers, autograder)]
    digests = dict.fromkeys(packages, "unchanged")
    seen = [nnbook.nnlib_digest()]
    monkeypatch.setattr(nnbook, "source_digest", lambda package: digests[package])
    seen.append(nnbook.nnlib_digest())
    for package in packages:  # a change to any of them re-executes the pages
        digests[package] = "changed"
        seen.append(nnbook.nnlib_digest())
    assert len(set(seen)) == len(seen)


def test_execution_cache_survives_the_same_digest_and_is_deleted_for_a_new_one(tmp_path):
    cache = tmp_path / ".jupyter_cache"
    assert nnbook.invalidate_execution_cache(cache, "one") is False   # nothing to delete yet
    (cache / "global.db").write_text("records")
    assert nnbook.invalidate_execution_cache(cache, "one") is False
    assert (cache / "global.db").exists()
    assert nnbook.invalidate_execution_cache(cache, "two") is True
    assert not (cache / "global.db").exists()
    assert (cache / nnbook.NNLIB_STAMP).read_text().strip() == "two"


def test_execution_cache_without_a_stamp_is_deleted(tmp_path):
    cache = tmp_path / ".jupyter_cache"
    cache.mkdir()
    (cache / "global.db").write_text("records of an unknown nnlib")
    assert nnbook.invalidate_execution_cache(cache, "one") is True
    assert not (cache / "global.db").exists()


def test_execution_order_puts_the_named_pages_first_and_keeps_the_rest_in_order():
    pages = ["chapters/01", "chapters/05", "chapters/instructors", "chapters/intro"]
    assert nnbook.execution_order(pages, ["chapters/instructors", "chapters/05"]) == [
        "chapters/instructors", "chapters/05", "chapters/01", "chapters/intro"]
    assert nnbook.execution_order(pages, []) == pages


def test_kernels_get_one_blas_thread_unless_a_number_was_chosen():
    environ = {"OMP_NUM_THREADS": "4"}
    nnbook.one_blas_thread_for_kernels(environ)
    assert environ == {"OMP_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "1",
                       "MKL_NUM_THREADS": "1"}
