"""The course's public address (where its book and its repository live), read from one setting.

The address is written once, in ``pyproject.toml``::

    [project.urls]
    Homepage = "https://<org>.github.io/<repo>/"     # the book
    Repository = "https://github.com/<org>/<repo>"   # the source

A fork, or the course's real home, changes those two lines and nothing else: the book
(``chapters/_ext/nnbook.py``), the released exercise notebooks (``autograder.address_preprocessor``)
and the checks' "Read:" links all ask this module. ``tests/test_course_address.py`` fails on a copy
of the address written anywhere else.

Where it is read from: in a source tree (a clone, with or without an editable install) the
``pyproject.toml`` next to this package, so an edit takes effect without reinstalling; elsewhere
(a learner's Colab kernel that pip-installed the course from git) the installed distribution's
metadata, whose ``Project-URL`` entries are that same table. Learners' kernels import this module
through ``autograder.checks``, so it imports nothing heavy until a URL is asked for.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

#: The distribution whose metadata carries the address (``[project] name`` in pyproject.toml).
DISTRIBUTION = "nn-from-scratch"
#: The ``[project.urls]`` labels this module reads, and what each one is.
BOOK_LABEL = "Homepage"
REPOSITORY_LABEL = "Repository"
_WHAT = {BOOK_LABEL: "the book's URL", REPOSITORY_LABEL: "the GitHub repository's URL"}
#: The pyproject.toml of the source tree this module sits in (absent in an installed copy).
SOURCE_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


class CourseAddressError(LookupError):
    """The course's address is missing or malformed where it should be set."""


def book_url() -> str:
    """The book's base URL, ending with ``/``: ``https://<org>.github.io/<repo>/``."""
    return _urls()[BOOK_LABEL].rstrip("/") + "/"


def repository_url() -> str:
    """The repository's URL, without a trailing ``/`` or ``.git``: ``https://github.com/<org>/<repo>``."""
    return _urls()[REPOSITORY_LABEL].rstrip("/").removesuffix(".git")


def repository_slug() -> str:
    """The repository's ``<org>/<repo>`` on GitHub (what Colab, Binder and ``git+`` URLs need)."""
    url = repository_url()
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", url)
    if match is None:
        raise CourseAddressError(
            f"{REPOSITORY_LABEL} in [project.urls] must be https://github.com/<org>/<repo>, "
            f"got {url!r} (read from {_urls()['source']})")
    return match.group(1)


def chapter_url(chapter: str, anchor: str | None = None) -> str:
    """A chapter's page in the book: ``chapter`` is its file name without ``.md``
    (``"04_optimization"``), ``anchor`` a MyST label in it (``"optimization-adam"``)."""
    url = f"{book_url()}chapters/{chapter}.html"
    return f"{url}#{anchor}" if anchor else url


def repository_file_url(path: str, ref: str = "main") -> str:
    """A file of the repository, as GitHub shows it: ``path`` from the repository root, at ``ref``."""
    return f"{repository_url()}/blob/{ref}/{path.lstrip('/')}"


# --- placeholders, for text that is published elsewhere (the released exercise notebooks) ------

#: ``{{name}}`` in a source notebook stands for ``PLACEHOLDERS[name]()``.
PLACEHOLDERS = {"book_url": book_url, "repository_url": repository_url}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill_placeholders(text: str) -> str:
    """``text`` with each ``{{book_url}}`` and ``{{repository_url}}`` replaced by the address.

    Any other ``{{name}}`` is refused (a misspelt placeholder would otherwise reach learners).
    """
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            raise CourseAddressError(
                f"unknown placeholder {match.group(0)!r}; the course's address placeholders are "
                + ", ".join(f"{{{{{n}}}}}" for n in PLACEHOLDERS))
        return PLACEHOLDERS[name]()

    return _PLACEHOLDER.sub(value, text)


# --- reading the setting ----------------------------------------------------------------------

def _normalized(label: str) -> str:
    """A Project-URL label as PEP 753 compares them: lowercase, no punctuation or whitespace."""
    return re.sub(r"[\W_]+", "", label).lower()


def _pick(urls: dict[str, str], source: str) -> dict[str, str]:
    """The book and repository URLs from ``urls`` (label -> URL), or an error naming the missing."""
    by_label = {_normalized(label): url.strip() for label, url in urls.items()}
    picked = {"source": source}
    for label, what in _WHAT.items():
        url = by_label.get(_normalized(label), "")
        if not url.startswith(("https://", "http://")):
            found = f"got {url!r}" if url else "it is missing"
            raise CourseAddressError(
                f"the course's address is not set: [project.urls] {label} ({what}) must be an "
                f"http(s) URL, {found} (read from {source})")
        picked[label] = url
    return picked


def _from_pyproject(path: Path) -> dict[str, str] | None:
    """The address from ``path``, or None when it is not this course's pyproject.toml."""
    if not path.is_file():
        return None
    import tomllib

    project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    if project.get("name") != DISTRIBUTION:
        return None
    return _pick(project.get("urls", {}), str(path))


def _from_metadata() -> dict[str, str] | None:
    """The address from the installed distribution's Project-URL entries, or None if not installed."""
    import importlib.metadata

    try:
        metadata = importlib.metadata.metadata(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    entries = (entry.partition(",") for entry in metadata.get_all("Project-URL") or [])
    return _pick({label: url for label, _, url in entries},
                 f"the installed {DISTRIBUTION} package's metadata (Project-URL)")


@functools.cache
def _urls() -> dict[str, str]:
    urls = _from_pyproject(SOURCE_PYPROJECT) or _from_metadata()
    if urls is None:
        raise CourseAddressError(
            f"the course's address is not set: no {SOURCE_PYPROJECT} and no installed "
            f"{DISTRIBUTION!r} distribution (pip install the course, or run from its source tree)")
    return urls
