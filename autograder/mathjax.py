"""Math in the pages the autograder writes, typeset ahead of time: no script, no network.

nbgrader's feedback pages load MathJax 2 from a CDN, so offline, or on a learning platform that
blocks outside scripts, a student sees raw TeX. Instead, :func:`typeset_pages` removes that
loader and typesets every formula into inline SVG with the MathJax 3 that the book already
vendors (``chapters/_vendor``, installed by ``npm ci``: ``make book`` and ``make test`` do it),
run once by Node.js for a whole batch of pages (``autograder/js/typeset_math.js``). Each page is
then a single self-contained file that shows its math in any browser.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]
#: The MathJax 3 npm package the book serves (see chapters/_ext/nnbook.py).
MATHJAX_DIR = _REPO_ROOT / "chapters" / "_vendor" / "node_modules" / "mathjax"
_SCRIPT = Path(__file__).resolve().parent / "js" / "typeset_math.js"

# nbconvert's loader (<script src=".../mathjax/...">) and its configuration block.
_LOADER = re.compile(
    r"<script\b[^>]*\bsrc=\"[^\"]*mathjax[^\"]*\"[^>]*>\s*</script>\s*"
    r"|<script\b[^>]*type=\"text/x-mathjax-config\"[^>]*>.*?</script>\s*",
    re.IGNORECASE | re.DOTALL)


class MathUnavailable(RuntimeError):
    """Node.js or the vendored MathJax is missing: the math stays as TeX source."""


def strip_loader(page: str) -> str:
    """``page`` without nbconvert's MathJax loader and configuration scripts."""
    return _LOADER.sub("", page)


def typeset_pages(pages: list[Path], timeout: float = 600.0) -> int:
    """Typeset the TeX in ``pages`` (HTML files, rewritten in place); return the formula count.

    Every page loses its MathJax loader first, so even when typesetting is impossible no page
    asks the network for a script. Raises :class:`MathUnavailable` (naming what is missing)
    when Node.js or the vendored MathJax cannot be found, and ``RuntimeError`` with Node's
    message when typesetting fails.
    """
    for page in pages:
        text = page.read_text(encoding="utf-8")
        stripped = strip_loader(text)
        if stripped != text:
            page.chmod(0o644)
            page.write_text(stripped, encoding="utf-8")
    if not pages:
        return 0
    node = shutil.which("node")
    if node is None:
        raise MathUnavailable("Node.js (`node`) is not on PATH")
    if not (MATHJAX_DIR / "es5" / "node-main.js").exists():
        raise MathUnavailable(f"the vendored MathJax is missing from {MATHJAX_DIR}; run `npm ci` "
                              f"in {MATHJAX_DIR.parents[1]}")
    result = subprocess.run([node, str(_SCRIPT), str(MATHJAX_DIR)],
                            input=json.dumps([str(p) for p in pages]), capture_output=True,
                            text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"typesetting the math of {len(pages)} page(s) failed: "
                           f"{result.stderr.strip().splitlines()[-1:] or result.returncode}")
    return int(json.loads(result.stdout.strip().splitlines()[-1])["formulas"])
