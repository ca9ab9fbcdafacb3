"""The built book as a reader sees it, in a browser with no network: every page in _toc.yml.

Each page is built for real (``built_book``), served on 127.0.0.1 (``book_server``) and opened in
Chromium with every request to another host aborted (``loaded_page``); see tests/conftest.py.
A full-page screenshot of each page is saved to tests/artifacts/screenshots/ for inspection.
"""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from autograder import address

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))

# Text a reader would see if MathJax had not typeset some math, found in the page's visible text
# outside code (pre, code), scripts and typeset math. Returns [] or snippets around each find.
_RAW_TEX_JS = r"""
() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight")
      .forEach((e) => e.remove());
  const text = copy.textContent;
  const patterns = [/\$\$/g, /\\\(/g, /\\\)/g, /\\\[/g, /\\\]/g, /\\begin\{/g,
                    /\$[^$\s][^$]{0,80}?\\[a-zA-Z]+[^$]{0,80}?\$/g];
  const found = [];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const at = match.index;
      found.push(text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, " "));
    }
  }
  return found;
}
"""

_MATH_STATE_JS = r"""
() => {
  const math = Array.from(document.querySelectorAll("span.math, div.math"));
  return {
    math: math.length,
    untypeset: math.filter((e) => !e.querySelector("mjx-container"))
                   .map((e) => e.textContent.slice(0, 80)),
    texErrors: Array.from(document.querySelectorAll("mjx-merror"))
                   .map((e) => e.getAttribute("data-mjx-error") || e.textContent),
  };
}
"""

_BROKEN_IMAGES_JS = r"""
async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.loading = "eager";
    img.addEventListener("load", done, { once: true });
    img.addEventListener("error", done, { once: true });
    setTimeout(done, 10000);
  })));
  return images.filter((img) => !(img.complete && img.naturalWidth > 0))
               .map((img) => img.currentSrc || img.src || img.outerHTML.slice(0, 120));
}
"""


def test_page_loads_offline_with_a_clean_console(toc_page, loaded_page, screenshot_dir):
    """No console error or warning, no uncaught exception, no failed or off-site request."""
    visit = loaded_page(toc_page.docname)
    visit.page.screenshot(path=screenshot_dir / f"{Path(toc_page.docname).name}.png",
                          full_page=True)
    assert visit.problems() == [], f"{toc_page.html}:\n" + "\n".join(visit.problems())
    assert visit.page.title(), f"{toc_page.html} has no title"


def test_page_math_is_typeset(toc_page, loaded_page):
    """Every math element holds MathJax output, MathJax reports no TeX error, no raw TeX shows."""
    page = loaded_page(toc_page.docname).page
    state = page.evaluate(_MATH_STATE_JS)
    assert state["untypeset"] == [], f"{toc_page.html}: math left as TeX: {state['untypeset']}"
    assert state["texErrors"] == [], f"{toc_page.html}: TeX errors: {state['texErrors']}"
    raw = page.evaluate(_RAW_TEX_JS)
    assert raw == [], f"{toc_page.html}: raw TeX visible to the reader: {raw}"


def test_page_images_all_load(toc_page, loaded_page):
    page = loaded_page(toc_page.docname).page
    broken = page.evaluate(_BROKEN_IMAGES_JS)
    assert broken == [], f"{toc_page.html}: images that did not load: {broken}"


def test_page_widgets_all_render(toc_page, loaded_page):
    """Every embedded ipywidget view is drawn by the (vendored) widget manager."""
    page = loaded_page(toc_page.docname).page
    views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    rendered = page.locator(".widget-subarea > .jupyter-widgets").count()
    assert rendered == views, f"{toc_page.html}: {views} widget views, {rendered} rendered"


def test_index_redirects_to_the_first_page(open_page, book_toc):
    root = book_toc[0]
    visit = open_page("index.html")
    visit.page.wait_for_url(f"**/{root.html}", timeout=10_000)
    assert visit.problems() == []


def _docname_of(url: str, base: str) -> str:
    path = urlsplit(url).path
    return path[len(urlsplit(base).path):].removesuffix(".html")


def test_sidebar_links_reach_every_toc_page(loaded_page, book_server, book_toc):
    """The navigation sidebar lists every page of _toc.yml, and every one of its links works."""
    root = book_toc[0]
    page = loaded_page(root.docname).page
    hrefs = page.eval_on_selector_all("nav.bd-docs-nav a.reference.internal",
                                      "links => links.map((a) => a.href)")
    linked = {_docname_of(href, book_server.url) for href in hrefs}
    listed = {p.docname for p in book_toc}
    assert listed - linked == set(), f"pages missing from the sidebar: {listed - linked}"
    for href in hrefs:
        with urllib.request.urlopen(href.split("#")[0]) as response:
            assert response.status == 200, href


def test_course_pages_are_notebooks(book_toc):
    """The introduction and every chapter run as notebooks (executed, launchable, downloadable)."""
    not_notebooks = [p.docname for p in book_toc
                     if p.part in ("", "The course") and not p.is_notebook]
    assert not_notebooks == []


def _launch_links(page) -> dict[str, str]:
    return dict(page.eval_on_selector_all(
        ".dropdown-launch-buttons a", "links => links.map((a) => [a.textContent.trim(), a.href])"))


def test_notebook_page_offers_the_notebook_for_download(toc_page, loaded_page, built_book):
    """A notebook page links its executed .ipynb, which starts with the nnlib setup cell."""
    page = loaded_page(toc_page.docname).page
    hrefs = page.eval_on_selector_all(".dropdown-download-buttons a",
                                      "links => links.map((a) => a.href)")
    ipynb = [h for h in hrefs if h.endswith(".ipynb")]
    if not toc_page.is_notebook:
        assert ipynb == [], f"{toc_page.html} is not a notebook but offers {ipynb}"
        return
    assert len(ipynb) == 1, f"{toc_page.html}: download links {hrefs}"
    assert urlsplit(ipynb[0]).path.endswith(f"/_sources/{toc_page.docname}.ipynb")
    notebook = json.loads((built_book / "_sources" / f"{toc_page.docname}.ipynb").read_text())
    assert notebook["nbformat"] == 4
    first = notebook["cells"][0]
    assert "nnbook-setup" in first["metadata"]["tags"]
    assert "import explorers, nnlib" in "".join(first["source"])
    code = [c for c in notebook["cells"][1:] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code), (
        f"{toc_page.html}: the downloadable notebook is not the executed one")


def test_notebook_page_has_launch_buttons_to_its_notebook(toc_page, loaded_page):
    """Binder and Colab (and JupyterHub when configured) open this chapter's .ipynb."""
    links = _launch_links(loaded_page(toc_page.docname).page)
    if not toc_page.is_notebook:
        assert links == {}, f"{toc_page.html} is not a notebook but has launch buttons {links}"
        return
    launch = CONFIG["launch_buttons"]
    branch = CONFIG["sphinx"]["config"]["nnbook_notebooks_branch"]
    org_repo = address.repository_slug()
    notebook = f"{toc_page.docname}.ipynb"
    expected = {"Binder", "Colab"} | ({"JupyterHub"} if launch.get("jupyterhub_url") else set())
    assert set(links) == expected, f"{toc_page.html}: launch buttons {links}"
    assert links["Colab"] == (f"{launch['colab_url']}/github/{org_repo}/blob/{branch}/{notebook}")
    assert links["Binder"].startswith(f"{launch['binderhub_url']}/v2/gh/{org_repo}/{branch}?")
    assert links["Binder"].endswith(f"/{notebook}")


def test_search_finds_pages_offline(open_page, book_toc):
    """The search box works from the local index: searching "nnlib" lists pages of the book."""
    visit = open_page("search.html?q=nnlib")
    visit.page.wait_for_selector("ul.search li a", timeout=15_000)
    found = {_docname_of(href, visit.url.split("search.html")[0]) for href in
             visit.page.eval_on_selector_all("ul.search li a", "links => links.map((a) => a.href)")}
    assert found & {p.docname for p in book_toc}, found
    assert visit.problems() == []
