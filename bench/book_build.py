"""How long the book takes to build, and what each page costs a reader.

Run from the repository root::

    python -m bench.book_build [--output DIR] [--no-browser]

1. A cold build: ``jupyter-book build . --warningiserror --keep-going`` into an empty output
   folder (a fresh temporary one unless ``--output`` is given; the project's own ``_build`` is
   left alone), so every chapter is executed. Target: under 2 minutes.
2. An unchanged rebuild into the same folder (everything comes from the caches). Target: under
   10 seconds.
3. Each chapter's execution time, from the cold build's log (the "Executed notebook in" lines
   of myst-nb, or of nnbook when it executes the chapters side by side, one per core: then the
   times overlap, and each includes the waits for a core shared with another chapter).
4. Each page of _toc.yml as a reader gets it: the HTML size, and, loaded in Chromium from a local
   server with a cold browser cache, the number of requests, the bytes transferred and the time
   until the network is idle and MathJax has typeset the page (skipped with ``--no-browser``).

Wall-clock times on a shared machine vary by a few seconds from run to run; read them as such.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COLD_TARGET_S = 120.0
REBUILD_TARGET_S = 10.0
EXECUTED = re.compile(r"^(?P<path>\S+\.(?:md|ipynb)): Executed notebook in (?P<s>[0-9.]+) seconds",
                      re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SIDE_BY_SIDE = re.compile(r"nnbook: executing (?P<n>\d+) pages, (?P<k>\d+) at a time")


def build(output: Path) -> tuple[float, str]:
    """Build the book into ``output``/_build; return the wall time and the log (ANSI-free)."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    start = time.perf_counter()
    result = subprocess.run(
        [str(jupyter_book), "build", ".", "--warningiserror", "--keep-going",
         "--path-output", str(output)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    log = ANSI.sub("", result.stdout + result.stderr)
    if result.returncode != 0:
        sys.exit(f"the book build failed (exit status {result.returncode}):\n{log[-6000:]}")
    return elapsed, log


def chapter_times(log: str) -> dict[str, float]:
    """Execution time of each notebook executed during a build, from its log."""
    times = {}
    for match in EXECUTED.finditer(log):
        path = Path(match["path"])
        with contextlib.suppress(ValueError):
            path = path.resolve().relative_to(REPO_ROOT)
        times[path.with_suffix("").as_posix()] = float(match["s"])
    return times


def toc_docnames() -> list[str]:
    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(items):
        for item in items or []:
            if "file" in item:
                names.append(str(Path(item["file"]).with_suffix("")) if item["file"].endswith(
                    (".md", ".ipynb")) else item["file"])
            walk(item.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return names


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def page_costs(html: Path, pages: list[str]) -> dict[str, dict]:
    """Requests, bytes and load time of each page in Chromium (a fresh context per page)."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    costs = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update",
                      "--disable-sync"])
            for page_name in pages:
                context = browser.new_context()
                sizes, external = [], []

                def route(route, external=external):
                    if route.request.url.startswith(origin):
                        route.continue_()
                    else:
                        external.append(route.request.url)
                        route.abort()

                context.route("**/*", route)
                tab = context.new_page()
                tab.on("requestfinished", lambda r, sizes=sizes: sizes.append(
                    r.sizes()["responseBodySize"]))
                start = time.perf_counter()
                tab.goto(f"{origin}/{page_name}.html", wait_until="networkidle")
                tab.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                tab.wait_for_load_state("networkidle")
                elapsed = time.perf_counter() - start
                costs[page_name] = {"requests": len(sizes) + len(external),
                                    "external": len(external), "bytes": sum(sizes),
                                    "ms": elapsed * 1000}
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return costs


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path,
                        help="build into DIR/_build (emptied first); default: a temporary folder")
    parser.add_argument("--no-browser", action="store_true",
                        help="skip loading the pages in Chromium")
    args = parser.parse_args(argv)

    with contextlib.ExitStack() as stack:
        if args.output is None:
            output = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="book-bench-")))
        else:
            output = args.output.resolve()
            shutil.rmtree(output / "_build", ignore_errors=True)
            output.mkdir(parents=True, exist_ok=True)

        cold_s, cold_log = build(output)
        rebuild_s, rebuild_log = build(output)
        html = output / "_build" / "html"
        pages = toc_docnames()
        executed = chapter_times(cold_log)
        reexecuted = chapter_times(rebuild_log)

        print(f"book build: {len(pages)} pages, output in {output / '_build'}")
        print(f"  {'build':<48}{'seconds':>9}  {'target':>8}")
        print(f"  {'cold (empty output, every chapter executed)':<48}{cold_s:9.1f}  "
              f"{'< ' + format(COLD_TARGET_S, '.0f'):>8}  "
              f"{'ok' if cold_s < COLD_TARGET_S else 'OVER'}")
        print(f"  {'unchanged rebuild':<48}{rebuild_s:9.1f}  "
              f"{'< ' + format(REBUILD_TARGET_S, '.0f'):>8}  "
              f"{'ok' if rebuild_s < REBUILD_TARGET_S else 'OVER'}")
        if reexecuted:
            why = (" because nnlib changed during the cold build" if "nnbook: nnlib or a package"
                   in rebuild_log else "")
            print(f"  (the rebuild re-executed {len(reexecuted)} chapters{why}: it was not an "
                  f"unchanged rebuild; run the benchmark again)")

        side_by_side = SIDE_BY_SIDE.search(cold_log)
        print(f"\n  {'chapter execution (cold build)':<48}{'seconds':>9}")
        if side_by_side:
            print(f"  ({side_by_side['n']} pages executed {side_by_side['k']} at a time: "
                  f"the times overlap)")
        for name in pages:
            if name in executed:
                print(f"  {name:<48}{executed[name]:9.1f}")
        print(f"  {'total':<48}{sum(executed.values()):9.1f}")

        costs = {} if args.no_browser else page_costs(html, pages)
        print(f"\n  {'page':<32}{'HTML KiB':>9}{'requests':>10}{'off-site':>9}"
              f"{'loaded KiB':>11}{'load ms':>9}")
        for name in pages:
            size = (html / f"{name}.html").stat().st_size / 1024
            cost = costs.get(name)
            extra = (f"{cost['requests']:>10}{cost['external']:>9}{cost['bytes'] / 1024:>11.0f}"
                     f"{cost['ms']:>9.0f}") if cost else ""
            print(f"  {name:<32}{size:>9.0f}{extra}")
        vendor = html / "_static" / "vendor"
        print(f"\n  site {folder_size(html) / 2**20:.1f} MiB, of which vendored libraries "
              f"(_static/vendor) {folder_size(vendor) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
