"""The build is strict, and the offline widget machinery works: checked on small throwaway books.

Each book here is the course's own configuration (_config.yml and the bibliography it names,
chapters/_ext, chapters/_static, the vendored node_modules) around one or two pages written by the
test, built with the real ``jupyter-book build --warningiserror --keep-going`` in a temporary
folder.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def build_small_book(root: Path, pages: dict[str, str]) -> tuple[int, str]:
    """Write a book with ``pages`` (docname -> MyST source; the first is the root), build it.

    Returns the build's exit status and its output.
    """
    for name in ("_config.yml", "references.bib"):  # the configuration names the bibliography
        shutil.copy(REPO_ROOT / name, root / name)
    for folder in ("_ext", "_static"):
        shutil.copytree(REPO_ROOT / "chapters" / folder, root / "chapters" / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (root / "chapters" / "_vendor").mkdir()
    (root / "chapters" / "_vendor" / "node_modules").symlink_to(
        REPO_ROOT / "chapters" / "_vendor" / "node_modules")
    names = list(pages)
    toc = ["format: jb-book", f"root: {names[0]}"]
    if len(names) > 1:
        toc += ["chapters:"] + [f"  - file: {name}" for name in names[1:]]
    (root / "_toc.yml").write_text("\n".join(toc) + "\n")
    for name, source in pages.items():
        (root / f"{name}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"{name}.md").write_text(source)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", ".", "--warningiserror",
         "--keep-going"], cwd=root, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def test_a_cell_that_raises_fails_the_build(tmp_path):
    status, log = build_small_book(tmp_path, {
        "chapters/page": NOTEBOOK_HEADER + textwrap.dedent("""
            # A page whose code fails

            ```{code-cell} ipython3
            import nnlib
            1 / 0
            ```
            """)})
    assert status != 0, log[-3000:]
    assert "ZeroDivisionError" in log


def test_a_sphinx_warning_fails_the_build(tmp_path):
    status, log = build_small_book(tmp_path, {
        "chapters/page": textwrap.dedent("""
            # A page with a broken reference

            See {ref}`a-label-that-does-not-exist`.
            """)})
    assert status != 0, log[-3000:]
    assert "a-label-that-does-not-exist" in log


WIDGET_PAGE = NOTEBOOK_HEADER + r"""
# Widgets with no kernel

Some math, $e^{i\pi} + 1 = 0$.

```{code-cell} ipython3
import ipywidgets as widgets

slider = widgets.IntSlider(value=3, min=0, max=10, description=r"$\alpha$")
box = widgets.IntText(value=3, description="value")
widgets.jslink((slider, "value"), (box, "value"))
widgets.VBox([slider, box, widgets.HTMLMath(value=r"Area: $\pi r^2$"),
              widgets.Button(description="check", icon="check")])
```
"""


@pytest.fixture(scope="module")
def widget_book(tmp_path_factory):
    root = tmp_path_factory.mktemp("widget-book")
    status, log = build_small_book(root, {"chapters/widgets": WIDGET_PAGE})
    assert status == 0, log[-5000:]
    return root / "_build" / "html"


def test_embedded_widgets_render_offline_with_math_and_icons(widget_book, static_server,
                                                             open_page_on):
    visit = open_page_on(static_server(widget_book), "chapters/widgets")
    assert visit.problems() == []
    page = visit.page
    assert page.locator(".widget-subarea > .jupyter-widgets").count() == 1
    # widget labels and HTMLMath are typeset by MathJax 3 through nnbook.js's MathJax.Hub shim
    assert page.locator(".widget-subarea mjx-container").count() == 2
    assert "$" not in page.locator(".widget-subarea").inner_text()
    # the button's icon font comes from the vendored widget manager, not a CDN
    assert any("/_static/vendor/html-manager/dist/" in url and url.endswith((".woff2", ".woff"))
               for url in visit.requests), visit.requests


def test_jslinked_widgets_stay_linked_offline(widget_book, static_server, open_page_on):
    visit = open_page_on(static_server(widget_book), "chapters/widgets")
    page = visit.page
    handle = page.locator(".widget-subarea .widget-slider .noUi-handle, "
                          ".widget-subarea .widget-slider [role=slider]").first
    handle.focus()
    for _ in range(2):
        handle.press("ArrowRight")
    box = page.locator(".widget-subarea .widget-text input")
    page.wait_for_function("(el) => el.value === '5'", arg=box.element_handle(), timeout=5000)
    assert visit.problems() == []
