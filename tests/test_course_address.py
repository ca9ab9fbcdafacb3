"""The course's address (book and repository URLs) is set once, in pyproject.toml, and read from there.

See autograder/address.py. A fork or a move edits pyproject.toml's [project.urls] and nothing else:
these tests fail on a copy of the address written anywhere else, and check that the released
exercise notebooks get the address in place of their placeholders.
"""
from __future__ import annotations

import email.message
import importlib.metadata
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

from autograder import address

REPO = Path(__file__).resolve().parents[1]
#: The one file allowed to hold the address.
SETTING = "pyproject.toml"


@pytest.fixture(autouse=True)
def fresh_address():
    """Each test reads the setting anew (the reader caches it)."""
    address._urls.cache_clear()
    yield
    address._urls.cache_clear()


# --- one copy ----------------------------------------------------------------------------------

def _text_files() -> list[Path]:
    """The repository's files that git tracks or would track (not the ignored ones)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
            capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout ({error})")
    paths = sorted({REPO / name for name in listed.decode().split("\0") if name})
    return [p for p in paths if p.is_file() and b"\0" not in p.read_bytes()[:8192]]


def _address_needles() -> list[str]:
    """What a copy of the address contains: the GitHub org/repo pair and the book's host."""
    return [address.repository_slug(), urlsplit(address.book_url()).netloc]


def copies_of_the_address(files: list[Path], root: Path = REPO) -> list[str]:
    """``file:line: text`` for each line of ``files`` (other than the setting) holding the address."""
    needles = _address_needles()
    found = []
    for path in files:
        name = path.relative_to(root).as_posix()
        if name == SETTING:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if any(needle in line for needle in needles):
                found.append(f"{name}:{number}: {line.strip()[:160]}")
    return found


def test_the_address_is_written_only_in_pyproject_toml():
    copies = copies_of_the_address(_text_files())
    assert not copies, (
        "the course's address is set in pyproject.toml ([project.urls]) only; read it with "
        "autograder.address (or {{book_url}}/{{repository_url}} in an exercise notebook, "
        "{repo-file} in a chapter) instead of these copies:\n" + "\n".join(copies))


def test_the_search_for_copies_finds_one(tmp_path):
    (tmp_path / SETTING).write_text(f'Homepage = "{address.book_url()}"\n')
    stray = tmp_path / "notes.md"
    stray.write_text(f"intro\nsee {address.chapter_url('01_fundamentals')}\n"
                     f"pip install git+{address.repository_url()}\n")
    assert copies_of_the_address([tmp_path / SETTING, stray], root=tmp_path) == [
        f"notes.md:2: see {address.chapter_url('01_fundamentals')}",
        f"notes.md:3: pip install git+{address.repository_url()}"]


# --- the reader --------------------------------------------------------------------------------

def test_the_reader_gives_the_book_and_the_github_repository():
    book, repository = address.book_url(), address.repository_url()
    assert book.startswith("https://") and book.endswith("/")
    assert repository == f"https://github.com/{address.repository_slug()}"
    assert address.chapter_url("04_optimization", "optimization-adam") == (
        f"{book}chapters/04_optimization.html#optimization-adam")
    assert address.repository_file_url("exercises/README.md") == (
        f"{repository}/blob/main/exercises/README.md")


def _pyproject(tmp_path, urls: str, name: str = address.DISTRIBUTION) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "{name}"\n\n[project.urls]\n{urls}\n')
    return path


def test_the_reader_normalizes_slashes_and_labels(tmp_path, monkeypatch):
    path = _pyproject(tmp_path, 'home-page = "https://example.org/course"\n'
                                'repository = "https://github.com/example-org/example-course.git/"')
    monkeypatch.setattr(address, "SOURCE_PYPROJECT", path)
    assert address.book_url() == "https://example.org/course/"
    assert address.repository_url() == "https://github.com/example-org/example-course"
    assert address.repository_slug() == "example-org/example-course"


def test_the_reader_names_the_missing_url_and_where_it_looked(tmp_path, monkeypatch):
    path = _pyproject(tmp_path, 'Homepage = "https://example.org/course/"')
    monkeypatch.setattr(address, "SOURCE_PYPROJECT", path)
    with pytest.raises(address.CourseAddressError, match=r"Repository .*missing.*pyproject\.toml"):
        address.repository_url()


def test_a_non_github_repository_is_refused_where_github_is_needed(tmp_path, monkeypatch):
    path = _pyproject(tmp_path, 'Homepage = "https://example.org/course/"\n'
                                'Repository = "https://gitlab.com/example-org/example-course"')
    monkeypatch.setattr(address, "SOURCE_PYPROJECT", path)
    assert address.repository_url() == "https://gitlab.com/example-org/example-course"
    with pytest.raises(address.CourseAddressError, match="https://github.com/<org>/<repo>"):
        address.repository_slug()


def test_an_installed_copy_reads_the_package_metadata(tmp_path, monkeypatch):
    metadata = email.message.Message()
    metadata["Name"] = address.DISTRIBUTION
    metadata["Project-URL"] = "Homepage, https://example.org/course/"
    metadata["Project-URL"] = "Repository, https://github.com/example-org/example-course"
    monkeypatch.setattr(address, "SOURCE_PYPROJECT", tmp_path / "absent" / "pyproject.toml")
    monkeypatch.setattr(importlib.metadata, "metadata",
                        lambda name: metadata if name == address.DISTRIBUTION else None)
    assert address.book_url() == "https://example.org/course/"
    assert address.repository_url() == "https://github.com/example-org/example-course"


def test_another_projects_pyproject_is_not_read(tmp_path, monkeypatch):
    path = _pyproject(tmp_path, 'Homepage = "https://example.org/other/"', name="other-project")
    monkeypatch.setattr(address, "SOURCE_PYPROJECT", path)

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "metadata", not_installed)
    with pytest.raises(address.CourseAddressError, match="no installed 'nn-from-scratch'"):
        address.book_url()


def test_importing_the_reader_reads_nothing_yet():
    # Learners' kernels import it (through autograder.checks): the work waits for a URL.
    code = ("import sys, autograder.address; "
            "print(sorted(m for m in ('tomllib', 'importlib.metadata') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=REPO / "tests").stdout
    assert out.strip() == "[]"


# --- placeholders in the exercise notebooks ------------------------------------------------------

SOURCES = sorted((REPO / "exercises" / "source").glob("*/*.ipynb"))


def test_fill_placeholders_substitutes_both_and_refuses_an_unknown_one():
    text = "[Adam]({{book_url}}chapters/04_optimization.html) pip install git+{{ repository_url }}"
    assert address.fill_placeholders(text) == (
        f"[Adam]({address.book_url()}chapters/04_optimization.html) "
        f"pip install git+{address.repository_url()}")
    with pytest.raises(address.CourseAddressError, match=r"\{\{book\}\}.*\{\{book_url\}\}"):
        address.fill_placeholders("{{book}}")


def test_generate_assignment_fills_the_address_first():
    from nbgrader.converters import GenerateAssignment

    from autograder.address_preprocessor import FillCourseAddress

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "exercises"))
    config.load_config()  # the course's config calls get_config(), as nbgrader provides it
    preprocessors = config.config.GenerateAssignment.preprocessors
    default = GenerateAssignment.class_traits()["preprocessors"].default()
    assert preprocessors == [FillCourseAddress, *default]


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_the_release_preprocessor_leaves_no_placeholder(source):
    from autograder.address_preprocessor import FillCourseAddress

    notebook = nbformat.read(source, as_version=4)
    before = "\n".join(cell.source for cell in notebook.cells)
    assert "{{book_url}}" in before and "{{repository_url}}" in before
    filled, _ = FillCourseAddress().preprocess(notebook, {})
    after = "\n".join(cell.source for cell in filled.cells)
    assert "{{" not in after
    assert after.count(address.book_url()) == before.count("{{book_url}}")
    assert after.count(address.repository_url()) == before.count("{{repository_url}}")
