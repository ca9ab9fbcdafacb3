"""Shared pytest fixtures: the built book, a local web server for it, and a headless browser.

Fixtures (all documented below; use them from any test under tests/):

``built_book`` (session) -> pathlib.Path
    Runs ``jupyter-book build . --warningiserror --keep-going`` once per pytest run, from the
    repository root, with the virtualenv's jupyter-book. Executed chapters are cached by
    jupyter-cache, so an unchanged rebuild takes seconds. Fails the requesting tests with the end
    of the build log if the build fails. Returns ``<repo>/_build/html``. With pytest-xdist every
    worker calls it; a file lock makes them build one after another (the later ones are no-ops).
    Set ``NNBOOK_SKIP_BUILD=1`` to test an existing ``_build/html`` as it is.

``book_server`` (session) -> BookServer
    Serves ``built_book`` on ``http://127.0.0.1:<free port>/`` from a background thread.
    ``book_server.url`` is the base URL (ends with "/"), ``book_server.url_for("chapters/intro")``
    a page's URL, ``book_server.origin`` is ``"http://127.0.0.1:<port>"``.

``browser`` (session) -> playwright.sync_api.Browser
    Debian's Chromium (/usr/bin/chromium), headless, with the project's flags; a fresh profile.
    Make a context per test (``browser.new_context()``): each starts with empty storage.

``open_page`` (function) -> callable(page: str, **context_options) -> PageVisit
    Opens a page of the built book ("chapters/intro" or "chapters/intro.html") in a fresh browser
    context with *every request that leaves the local server aborted and recorded*, waits for the
    network to go idle, MathJax to finish typesetting and embedded widgets to render, and returns
    a PageVisit: ``page`` (the live playwright Page), ``console`` (all console messages),
    ``errors`` (console errors and warnings, uncaught exceptions), ``requests`` (every URL),
    ``external`` (requests to other hosts), ``failed`` (requests that failed or got an HTTP
    status >= 400), and ``problems()`` (all of those as lines; [] when the page is healthy).
    Contexts are closed after the test. Extra keyword arguments go to ``browser.new_context``.

``loaded_page`` (session) -> callable(page: str) -> PageVisit
    The same, but each page is opened once per session and shared by the tests that only look.

``static_server`` (session) -> callable(directory) -> BookServer, and ``open_page_on``
(function) -> callable(server, page) -> PageVisit: the same for a folder other than the book.

``screenshot_dir`` (session) -> pathlib.Path
    ``tests/artifacts/screenshots`` (git-ignored), for full-page screenshots to inspect.

``toc_page`` (parametrizing argument) -> TocPage
    A test that takes an argument named ``toc_page`` runs once for every page listed in _toc.yml
    (``docname`` such as "chapters/01_fundamentals", ``source`` path, ``html`` relative path,
    ``part`` caption, ``is_notebook``). The ``book_toc`` fixture (session) is the whole list.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / "_build"
HTML_DIR = BUILD_DIR / "html"
ARTIFACTS_DIR = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
BUILD_LOG_TAIL = 12_000  # characters of the build log shown when the build fails


# --------------------------------------------------------------------------------------------
# The table of contents
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TocPage:
    """One page of the book as _toc.yml lists it."""

    docname: str          # "chapters/01_fundamentals": the path without suffix, from the root
    source: Path          # the source file (.md or .ipynb); may not exist yet
    part: str             # the caption of the part that lists it ("" for the root page)
    is_notebook: bool     # a MyST notebook (has a kernelspec) or an .ipynb: executed, launchable

    @property
    def html(self) -> str:
        """The page's path in the built site, e.g. "chapters/01_fundamentals.html"."""
        return f"{self.docname}.html"

    @property
    def slug(self) -> str:
        """A file-name-safe name, e.g. "chapters-01_fundamentals"."""
        return self.docname.replace("/", "-")


def _source_of(docname: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = REPO_ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    return REPO_ROOT / f"{docname}.md"


def _is_notebook(source: Path) -> bool:
    if source.suffix == ".ipynb":
        return True
    if not source.is_file():
        return False
    text = source.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    front_matter = text.split("---", 2)[1]
    return "kernelspec" in (yaml.safe_load(front_matter) or {})


def _entries(items, part: str):
    for item in items or []:
        if "file" in item:
            docname = str(Path(item["file"]).with_suffix("")) if item["file"].endswith(
                (".md", ".ipynb")) else item["file"]
            yield docname, part
        yield from _entries(item.get("sections"), part)


@functools.cache
def toc_pages() -> tuple[TocPage, ...]:
    """Every page _toc.yml lists (root first), in reading order."""
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    listed = [(toc["root"], "")]
    for part in toc.get("parts", []):
        listed += list(_entries(part.get("chapters"), part.get("caption", "")))
    listed += list(_entries(toc.get("chapters"), ""))
    pages = []
    for docname, part in listed:
        source = _source_of(docname)
        pages.append(TocPage(docname, source, part, _is_notebook(source)))
    return tuple(pages)


@pytest.fixture(scope="session")
def book_toc() -> tuple[TocPage, ...]:
    """Every page _toc.yml lists, root first, in reading order."""
    return toc_pages()


def pytest_generate_tests(metafunc):
    if "toc_page" in metafunc.fixturenames:
        pages = toc_pages()
        metafunc.parametrize("toc_page", pages, ids=[p.slug for p in pages])


# --------------------------------------------------------------------------------------------
# The built book
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book once (strict, cached) and return the path of ``_build/html``."""
    if os.environ.get("NNBOOK_SKIP_BUILD") == "1":
        if not (HTML_DIR / "index.html").is_file():
            pytest.fail(f"NNBOOK_SKIP_BUILD=1 but there is no built book at {HTML_DIR}")
        return HTML_DIR
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    if not jupyter_book.is_file():
        pytest.fail(f"jupyter-book not found next to the interpreter: {jupyter_book}")
    BUILD_DIR.mkdir(exist_ok=True)
    log_path = BUILD_DIR / "pytest-book-build.log"
    with open(BUILD_DIR / ".pytest-book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers build one at a time
        try:
            result = subprocess.run(
                [str(jupyter_book), "build", ".", "--warningiserror", "--keep-going"],
                cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    log = result.stdout + result.stderr
    log_path.write_text(log, encoding="utf-8")
    if result.returncode != 0:
        # Sphinx keeps the failed pages in its environment and an unchanged rebuild would then
        # pass with their error outputs: forget them so that the next build reads them again.
        shutil.rmtree(BUILD_DIR / ".doctrees", ignore_errors=True)
        pytest.fail(
            f"jupyter-book build failed with exit status {result.returncode} (full log: "
            f"{log_path}); the end of the log:\n{log[-BUILD_LOG_TAIL:]}", pytrace=False)
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"jupyter-book build succeeded but wrote no {HTML_DIR / 'index.html'}")
    return HTML_DIR


# --------------------------------------------------------------------------------------------
# A local web server for it
# --------------------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that closes a page mid-download resets the connection: not a server error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


@dataclass
class BookServer:
    """The built book served over HTTP on the loopback interface."""

    root: Path
    host: str
    port: int

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/"

    def url_for(self, page: str) -> str:
        """URL of a page given as a docname ("chapters/intro") or a path ("chapters/intro.html")."""
        page = page.lstrip("/")
        if page and not Path(page).suffix:
            page += ".html"
        return self.url + page


@contextlib.contextmanager
def serve_directory(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) from a thread; yields a BookServer."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve {directory}", daemon=True)
    thread.start()
    try:
        yield BookServer(Path(directory), "127.0.0.1", server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def book_server(built_book: Path):
    """Serve ``_build/html`` on 127.0.0.1 (a free port) for the whole session."""
    with serve_directory(built_book) as server:
        yield server


@pytest.fixture(scope="session")
def static_server():
    """Factory: ``static_server(directory)`` serves another folder (say a test's own small book)
    the way ``book_server`` serves the book, until the end of the session; returns a BookServer.
    Open its pages with ``open_page_on(server, page)``."""
    with contextlib.ExitStack() as stack:
        yield lambda directory: stack.enter_context(serve_directory(directory))


# --------------------------------------------------------------------------------------------
# A headless browser
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (sync API), headless, fresh profile."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageVisit:
    """A page opened by ``open_page``, and everything it did while loading."""

    page: object                                   # playwright.sync_api.Page
    url: str
    console: list = field(default_factory=list)    # (type, text) of every console message
    errors: list = field(default_factory=list)     # console errors/warnings, uncaught exceptions
    requests: list = field(default_factory=list)   # every URL requested (local and not)
    external: list = field(default_factory=list)   # requests to other hosts (all aborted)
    failed: list = field(default_factory=list)     # (url, reason) of local requests that failed

    def problems(self) -> list[str]:
        """Everything a reader would count as broken, one line each (empty when all is well)."""
        return ([f"console/page error: {e}" for e in self.errors]
                + [f"request to another host: {u}" for u in self.external]
                + [f"failed request: {u} ({why})" for u, why in self.failed])


# Resolves once MathJax (if the page loads it) has typeset the page and embedded widgets (if any)
# have rendered; gives up after `timeout` ms and lets the caller's checks report what is missing.
_SETTLE_JS = """
async (timeout) => {
  const deadline = Date.now() + timeout;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const mathjaxScript = document.querySelector('script[src*="mathjax"]');
  if (mathjaxScript) {
    while (!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)
           && Date.now() < deadline) await sleep(50);
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
      await window.MathJax.startup.promise;
    }
  }
  const views = document.querySelectorAll(
    'script[type="application/vnd.jupyter.widget-view+json"]');
  while (views.length && Date.now() < deadline) {
    // the widget manager renders each view into a div.widget-subarea next to its script
    const rendered = document.querySelectorAll('.widget-subarea > .jupyter-widgets').length;
    if (rendered >= views.length) break;
    await sleep(50);
  }
  if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) {
    await window.MathJax.startup.promise;
  }
  return true;
}
"""


class PageOpener:
    """Opens pages of the served book in fresh browser contexts, recording what they do."""

    def __init__(self, browser, server: BookServer):
        self.browser = browser
        self.server = server
        self.contexts = []

    def open(self, page: str, *, settle_ms: int = 15_000, **context_options) -> PageVisit:
        context = self.browser.new_context(**context_options)
        self.contexts.append(context)
        visit = PageVisit(page=None, url=self.server.url_for(page))
        local = self.server.origin + "/"

        def route(route):
            url = route.request.url
            visit.requests.append(url)
            if url.startswith(local) or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                visit.external.append(url)
                route.abort()

        def on_console(message):
            visit.console.append((message.type, message.text))
            if message.type in ("error", "warning"):
                location = (message.location or {}).get("url", "")
                visit.errors.append(f"[{message.type}] {message.text} ({location})")

        def on_request_failed(request):
            if request.url not in visit.external:  # those were aborted on purpose
                visit.failed.append((request.url, request.failure))

        def on_response(response):
            if response.status >= 400:
                visit.failed.append((response.url, f"HTTP {response.status}"))

        context.route("**/*", route)
        tab = context.new_page()
        visit.page = tab
        tab.on("console", on_console)
        tab.on("pageerror", lambda exc: visit.errors.append(f"[uncaught] {exc}"))
        tab.on("requestfailed", on_request_failed)
        tab.on("response", on_response)
        tab.goto(visit.url, wait_until="networkidle")
        tab.evaluate(_SETTLE_JS, settle_ms)
        tab.wait_for_load_state("networkidle")
        return visit

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


@pytest.fixture
def open_page(browser, book_server):
    """Factory: ``open_page("chapters/intro")`` -> a fresh PageVisit (see the module docstring)."""
    opener = PageOpener(browser, book_server)
    yield opener.open
    opener.close()


@pytest.fixture
def open_page_on(browser):
    """Factory: ``open_page_on(server, "page")`` is ``open_page`` for another BookServer."""
    openers = []

    def _open(server: BookServer, page: str, **options) -> PageVisit:
        opener = PageOpener(browser, server)
        openers.append(opener)
        return opener.open(page, **options)

    yield _open
    for opener in openers:
        opener.close()


@pytest.fixture(scope="session")
def loaded_page(browser, book_server):
    """Factory like ``open_page``, but each page is opened once per session and shared.

    For tests that only *look* at a page (console, requests, DOM); a test that clicks or types
    should use ``open_page``.
    """
    opener = PageOpener(browser, book_server)
    visits: dict[str, PageVisit] = {}

    def _load(page: str) -> PageVisit:
        if page not in visits:
            visits[page] = opener.open(page)
        return visits[page]

    yield _load
    opener.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """``tests/artifacts/screenshots`` (git-ignored), created on demand."""
    path = ARTIFACTS_DIR / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
