"""nnbook: the Sphinx extension that makes the course book self-contained, its notebooks runnable.

Loaded by Jupyter Book from ``_config.yml`` (``sphinx.local_extensions``). It does eight jobs:

1. **Vendored browser libraries, served by the book.** MathJax 3, RequireJS and the ipywidgets
   HTML manager come from npm (``chapters/_vendor``, installed by ``npm ci``). On
   ``config-inited`` the files the pages need are staged into ``_build/.nnbook_static/vendor``
   and that folder is added to ``html_static_path``, so Sphinx copies them to
   ``_build/html/_static/vendor``. They are deliberately *not* under a ``_static`` folder that
   Jupyter Book scans: JB adds every ``.js``/``.css`` it finds there to every page.
2. **Two tiny scripts** in ``chapters/_static``: ``nnbook.js`` on every page (the theme mode on
   a first visit; a MathJax 2 ``Hub.Queue`` for the widget manager, run by MathJax 3), and
   ``nnbook-widgets.js`` on pages with widgets (where RequireJS finds the widget modules' fonts;
   listed in ``nb_ipywidgets_js``).
3. **Duplicate inline scripts removed.** sphinx-thebe emits its configuration script twice (once
   with filename ``None``, once ``""``), which throws ``Identifier 'THEBE_JS_URL' has already been
   declared`` on every page.
4. **Launch buttons that open a notebook.** Colab cannot open MyST markdown, and Binder or a
   JupyterHub only can with jupytext installed. The buttons are rewritten to open the chapter's
   ``.ipynb`` on the ``nnbook_notebooks_branch`` branch (published by the Pages workflow from the
   build's downloadable notebooks). Set that option to ``""`` to keep the theme's links.
5. **Downloadable notebooks that run anywhere.** The ``.ipynb`` offered by the download button
   gets a first cell that imports nnlib, installing it from the repository (``nnbook_nnlib_ref``)
   when it is missing, as it is on Colab or in a downloaded copy. It also gets the outputs
   that myst-nb leaves out when they came from the execution cache.
6. **Chapters re-executed when nnlib changes.** jupyter-cache only notices a change to a
   chapter's own code; a change to nnlib (or to numpy, matplotlib...) deletes the cache and makes
   Sphinx re-read every page, so no page shows outputs of an older nnlib.
7. **The course's address from its one setting.** The book's URL (``html_baseurl``) and the
   repository's (the theme's ``repository_url``, which the repository, issues and launch buttons
   and the downloads' setup cell use) come from ``pyproject.toml``'s ``[project.urls]`` through
   ``autograder.address``, not from ``_config.yml``; the ``{repo-file}`` role links to a file of
   the repository on GitHub, e.g. ``{repo-file}`exercises/README.md``` (a code-styled path) or
   ``{repo-file}`the exercises' guide <exercises/README.md>```.
8. **Chapters executed side by side.** myst-nb executes a page when Sphinx reads it, one page
   after the other. Before Sphinx reads any page, the pages myst-nb would execute into its cache
   (``execute_notebooks: cache`` and not in the cache yet) are executed here,
   ``nnbook_execution_workers`` at a time (default: one per core), the slowest first
   (``nnbook_execute_first``), and their outputs cached exactly as myst-nb caches them; myst-nb
   then takes them from the cache. A page whose execution fails is not cached: myst-nb executes
   it again and reports the error as always. The kernels get one BLAS thread
   (``OPENBLAS_NUM_THREADS=1`` etc., unless already set): the chapters multiply small matrices,
   for which more threads only add overhead, and two chapters run at once.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from urllib.parse import quote, urlencode

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import ReferenceRole

__version__ = "1.0.0"

logger = logging.getLogger(__name__)

EXT_DIR = Path(__file__).resolve().parent
CHAPTERS_DIR = EXT_DIR.parent
REPO_ROOT = CHAPTERS_DIR.parent
NODE_MODULES = CHAPTERS_DIR / "_vendor" / "node_modules"
PAGE_STATIC_DIR = CHAPTERS_DIR / "_static"
STAGING_NAME = ".nnbook_static"

# What the built book serves under _static/vendor/: destination folder -> (npm package, the files
# or folders inside it to copy, the names to leave out). MathJax's speech-rule engine (sre/, 3.9 MB)
# is left out: nothing loads it unless a reader turns on the explorer in MathJax's menu.
VENDORED = {
    "mathjax": ("mathjax", ["LICENSE", "es5/tex-mml-chtml.js", "es5/input", "es5/output",
                            "es5/ui", "es5/a11y", "es5/adaptors"], {"sre.js"}),
    "requirejs": ("requirejs", ["require.js"], set()),
    "html-manager": ("@jupyter-widgets/html-manager",
                     ["dist/embed-amd.js", "dist/embed.js.LICENSE.txt", "dist/*.woff2",
                      "dist/*.woff", "dist/*.ttf", "dist/*.eot", "dist/*.svg"], set()),
}


def vendored_files(node_modules: Path = NODE_MODULES) -> dict[str, Path]:
    """Map each vendored file's path under ``_static/vendor`` to its source in node_modules.

    MathJax's ``es5/`` prefix is dropped (``mathjax/tex-mml-chtml.js``), so the loader finds its
    components (``[mathjax]/input/tex/...``) next to the script. Raises ExtensionError naming the
    missing package or file when ``npm ci`` has not been run in ``chapters/_vendor``.
    """
    files: dict[str, Path] = {}
    for dest, (package, patterns, excluded) in VENDORED.items():
        root = node_modules / package
        if not (root / "package.json").is_file():
            raise ExtensionError(
                f"nnbook: the npm package {package!r} is missing from {node_modules}; run "
                f"`npm ci` in {node_modules.parent} (`make book` does it)")
        for pattern in patterns:
            matches = sorted(root.glob(pattern))
            if not matches:
                raise ExtensionError(f"nnbook: {package}/{pattern} not found in {root}")
            for match in matches:
                sources = [match] if match.is_file() else sorted(
                    p for p in match.rglob("*") if p.is_file())
                for src in sources:
                    if src.name in excluded:
                        continue
                    rel = src.relative_to(root).as_posix()
                    if dest == "mathjax":
                        rel = rel.removeprefix("es5/")
                    files[f"{dest}/{rel}"] = src
    return files


def copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy ``src`` to ``dst`` (keeping its mtime) unless ``dst`` has the same size and mtime."""
    st = src.stat()
    if dst.is_file():
        dt = dst.stat()
        if dt.st_size == st.st_size and int(dt.st_mtime) == int(st.st_mtime):
            return False
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    return True


def stage_vendored_files(staging: Path, files: dict[str, Path]) -> int:
    """Copy ``files`` into ``staging/vendor`` where missing or changed; drop stale files.

    Returns how many files were copied (0 on an unchanged rebuild).
    """
    vendor = staging / "vendor"
    copied = sum(copy_if_changed(src, vendor / rel) for rel, src in files.items())
    wanted = {vendor / rel for rel in files}
    for path in sorted(vendor.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return copied


# The installed packages whose versions can change what a chapter prints or draws.
OUTPUT_PACKAGES = ("numpy", "scipy", "matplotlib", "ipywidgets", "scikit-learn")
NNLIB_STAMP = "nnbook-nnlib.sha256"


def source_digest(package: Path, packages=OUTPUT_PACKAGES) -> str:
    """SHA-256 of the files under ``package`` and of the installed ``packages``' versions.

    Every file counts, not only ``.py`` (the explorers ship a ``.js`` renderer that ends up in the
    pages); compiled bytecode does not.
    """
    digest = hashlib.sha256()
    files = (p for p in package.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    for path in sorted(files):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    for name in packages:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\0".encode())
    return digest.hexdigest()


#: The project's packages that pages execute: nnlib (every chapter), explorers (the chapters'
#: interactive figures) and autograder (the instructors' pages run its commands).
EXECUTED_PACKAGES = ("nnlib", "explorers", "autograder")


def nnlib_digest() -> str:
    """``source_digest`` of nnlib, the explorers and the autograder as the build imports them.

    jupyter-cache keys a chapter's outputs on the chapter's own code only; every chapter imports
    nnlib (some the explorers, and the instructors' pages run the autograder), so a change to any
    of them must re-execute them all.
    """
    digests = []
    for name in EXECUTED_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ExtensionError(f"nnbook: {name} is not importable; install it (`pip install -e .`)")
        digests.append(source_digest(Path(next(iter(spec.submodule_search_locations)))))
    return hashlib.sha256("\0".join(digests).encode()).hexdigest()


def invalidate_execution_cache(cache_dir: Path, digest: str) -> bool:
    """Delete the jupyter-cache at ``cache_dir`` unless it was made with this nnlib ``digest``.

    Records ``digest`` next to the cache either way. Returns True when the cache was deleted.
    """
    stamp = cache_dir / NNLIB_STAMP
    deleted = False
    if cache_dir.is_dir() and (not stamp.is_file() or stamp.read_text().strip() != digest):
        shutil.rmtree(cache_dir)
        deleted = True
    cache_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")
    return deleted


def on_config_inited(app: Sphinx, config) -> None:
    """Stage the vendored libraries, add them and the page-wide scripts to the static path, make
    a change to nnlib re-execute every chapter, and give the kernels one BLAS thread."""
    staging = Path(app.outdir).parent / STAGING_NAME
    copied = stage_vendored_files(staging, vendored_files())
    if copied:
        logger.info(f"nnbook: staged {copied} vendored files in {staging}")
    config.html_static_path = [*config.html_static_path, str(staging), str(PAGE_STATIC_DIR)]

    # A new digest changes this "env" config value, so Sphinx re-reads every page; with the
    # stale cache gone, myst-nb then executes every chapter again.
    digest = nnlib_digest()
    config.nnbook_nnlib_digest = digest
    cache_dir = Path(config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    if config.nb_execution_mode == "cache" and invalidate_execution_cache(cache_dir, digest):
        logger.info("nnbook: nnlib or a package it uses changed: every chapter is re-executed")
    one_blas_thread_for_kernels()


def set_course_address(app: Sphinx, config) -> None:
    """Set the book's and the repository's URLs from the course's one setting (pyproject.toml).

    A value left in ``_config.yml`` (``html.baseurl``, ``repository.url``) is a second copy that
    would drift: it is reported, and replaced.
    """
    from autograder import address

    wanted = {"html.baseurl": address.book_url(), "repository.url": address.repository_url()}
    found = {"html.baseurl": config.html_baseurl,
             "repository.url": config.html_theme_options.get("repository_url", "")}
    for key, value in found.items():
        if value and value != wanted[key]:
            logger.warning(f"nnbook: _config.yml sets {key} to {value!r}; the course's address "
                           f"is set in pyproject.toml ([project.urls]) only: remove it")
    config.html_baseurl = wanted["html.baseurl"]
    config.html_theme_options = {**config.html_theme_options,
                                 "repository_url": wanted["repository.url"]}
    # An "env" value: pages are re-read when the address changes ({repo-file} links are in them).
    config.nnbook_repository_url = wanted["repository.url"]


def repository_file_url(path: str, branch: str, root: Path = REPO_ROOT) -> str:
    """The GitHub page of ``path`` (relative to the repository root) on ``branch``.

    Raises ValueError when ``path`` is not in the source tree, so a renamed file breaks the build
    rather than a link.
    """
    from autograder import address

    if not path or path.startswith("/") or ".." in Path(path).parts or not (root / path).exists():
        raise ValueError(f"{path!r} is not a file or folder of the repository (under {root})")
    return address.repository_file_url(path, ref=branch)


class RepositoryFileRole(ReferenceRole):
    """``{repo-file}`path``` or ``{repo-file}`title <path>```: a link to a file on GitHub."""

    def run(self):
        branch = self.config.html_theme_options.get("repository_branch") or "main"
        try:
            url = repository_file_url(self.target, branch)
        except ValueError as error:
            message = self.inliner.reporter.warning(f"nnbook: {error}", line=self.lineno)
            problem = self.inliner.problematic(self.rawtext, self.rawtext, message)
            return [problem], [message]
        reference = nodes.reference(self.rawtext, "", refuri=url)
        if self.has_explicit_title:
            reference += nodes.Text(self.title)
        else:
            reference += nodes.literal(self.target, self.target)
        return [reference], []


def refresh_static_files(app: Sphinx, exception) -> None:
    """Bring ``_static/`` up to date with the staged libraries and ``chapters/_static``.

    Sphinx copies the static folders only when some page is rewritten; after an edit to
    ``nnbook.js`` alone (or ``npm ci`` of a new version) an incremental build would keep serving
    the old copy.
    """
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / "_static"
    staging = Path(app.outdir).parent / STAGING_NAME
    for folder in (staging, PAGE_STATIC_DIR):
        for src in folder.rglob("*"):
            if src.is_file():
                copy_if_changed(src, out / src.relative_to(folder))


def remove_duplicate_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Keep one copy of each script: same source (``None`` and ``""`` count as no file) and body.

    Connected with a priority below 500, before the handlers that add this page's own scripts.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        filename = getattr(script, "filename", script) or ""
        attributes = getattr(script, "attributes", {}) or {}
        key = (str(filename), attributes.get("body", ""), attributes.get("type", ""))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    # In place: the list is the builder's own, which later handlers (MathJax, myst-nb's widget
    # scripts) append to for this page.
    scripts[:] = unique


def launch_urls(*, repo_url: str, branch: str, notebook_path: str, binderhub_url: str = "",
                jupyterhub_url: str = "", colab_url: str = "",
                interface: str = "jupyterlab") -> dict[str, str]:
    """The launch links that open ``notebook_path`` (relative to the repository root).

    Args:
        repo_url: ``https://github.com/<org>/<repo>``.
        branch: the branch holding the notebook.
        notebook_path: e.g. ``chapters/01_fundamentals.ipynb``.
        binderhub_url, jupyterhub_url, colab_url: each service's address; empty to leave it out.
        interface: ``"jupyterlab"`` or ``"classic"``, the UI Binder and JupyterHub open.

    Returns:
        ``{"Binder": url, "JupyterHub": url, "Colab": url}`` for the services given.
    """
    parts = repo_url.rstrip("/").split("/")
    if len(parts) < 5 or parts[2] != "github.com":
        raise ValueError(f"repo_url must be https://github.com/<org>/<repo>, got {repo_url!r}")
    org, repo = parts[3], parts[4]
    prefixes = {"jupyterlab": "lab/tree", "classic": "tree"}
    if interface not in prefixes:
        raise ValueError(f"interface must be one of {sorted(prefixes)}, got {interface!r}")
    ui = prefixes[interface]
    urls = {}
    if binderhub_url:
        urls["Binder"] = (f"{binderhub_url.rstrip('/')}/v2/gh/{org}/{repo}/{quote(branch)}"
                          f"?urlpath={quote(f'{ui}/{notebook_path}', safe='/')}")
    if jupyterhub_url:
        query = urlencode({"repo": repo_url, "branch": branch,
                           "urlpath": f"{ui}/{repo}/{notebook_path}"}, safe="/")
        urls["JupyterHub"] = f"{jupyterhub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"
    if colab_url:
        urls["Colab"] = (f"{colab_url.rstrip('/')}/github/{org}/{repo}/blob/{quote(branch)}/"
                         f"{notebook_path}")
    return urls


def setup_cell_source(repo_url: str, ref: str) -> str:
    """The code of the first cell added to each downloadable notebook."""
    requirement = f"nn-from-scratch[widgets] @ git+{repo_url.rstrip('/')}.git@{ref}"
    return (
        "# Setup: the chapter imports nnlib, the course's numpy library, and its explorers. In a\n"
        "# clone of the repository they are already installed (`make book`, or `pip install -e .`);\n"
        "# anywhere else (Colab, Binder, a downloaded copy) this cell installs them from GitHub.\n"
        "try:\n"
        "    import explorers, nnlib\n"
        "except ModuleNotFoundError:\n"
        f"    %pip install --quiet \"{requirement}\"\n"
        "    import importlib\n"
        "    importlib.invalidate_caches()\n"
        "    import explorers, nnlib\n"
        "print('nnlib', nnlib.__version__)"
    )


SETUP_TAG = "nnbook-setup"


def add_setup_cell(notebook: dict, source: str) -> bool:
    """Insert the setup cell as the first cell of ``notebook`` (nbformat 4 JSON), once.

    Also drops myst-nb's internal ``source_map`` metadata, which means nothing outside the build.
    Returns False when the notebook already has the cell (and is left unchanged).
    """
    if notebook.get("nbformat") != 4:
        raise ValueError(
            f"expected an nbformat 4 notebook, got nbformat {notebook.get('nbformat')!r}")
    cells = notebook.setdefault("cells", [])
    if cells and SETUP_TAG in cells[0].get("metadata", {}).get("tags", []):
        return False
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": [SETUP_TAG]},
        "outputs": [],
        "source": source,
    }
    if notebook.get("nbformat_minor", 0) >= 5:  # cell ids exist from nbformat 4.5 on
        taken = {c.get("id") for c in cells}
        cell_id, n = SETUP_TAG, 1
        while cell_id in taken:
            cell_id, n = f"{SETUP_TAG}-{n}", n + 1
        cell["id"] = cell_id
    cells.insert(0, cell)
    notebook.get("metadata", {}).pop("source_map", None)
    return True


def with_cached_outputs(app: Sphinx, content: dict) -> dict:
    """The notebook with its outputs, taken from jupyter-cache when the build used the cache.

    When myst-nb 1.4.0 takes a notebook's outputs from the cache, it writes the *unexecuted*
    notebook to ``_build/jupyter_execute`` (it merges the outputs into a copy), so the
    downloadable notebook would have no outputs after any cached build. Merge them back in.
    """
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return content
    import nbformat
    from jupyter_cache import get_cache

    notebook = nbformat.from_dict(content)
    try:
        _, merged = get_cache(config.execution_cache_path).merge_match_into_notebook(notebook)
    except KeyError:  # not in the cache (its execution failed): offer it as it is
        return content
    return json.loads(nbformat.writes(merged))


def adapt_notebook_page(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Point the launch buttons at the notebooks branch and add the setup cell to the download.

    Runs after sphinx-book-theme's launch and header buttons (priority 501), which copy the
    executed notebook to ``_sources/<page>.ipynb`` and set ``context["ipynb_source"]``.
    """
    ipynb_source = context.get("ipynb_source")
    if not ipynb_source:
        return
    theme = app.config.html_theme_options
    repo_url = theme.get("repository_url", "")
    notebook = Path(app.outdir) / "_sources" / ipynb_source
    if notebook.is_file():
        content = json.loads(notebook.read_text(encoding="utf-8"))
        content = with_cached_outputs(app, content)  # (matched by code: before the setup cell)
        if add_setup_cell(content, setup_cell_source(repo_url, app.config.nnbook_nnlib_ref)):
            notebook.write_text(json.dumps(content, indent=1, ensure_ascii=False) + "\n",
                                encoding="utf-8")

    branch = app.config.nnbook_notebooks_branch
    if not branch:
        return
    launch = theme.get("launch_buttons", {})
    urls = launch_urls(
        repo_url=repo_url, branch=branch, notebook_path=ipynb_source,
        binderhub_url=launch.get("binderhub_url", ""),
        jupyterhub_url=launch.get("jupyterhub_url", ""), colab_url=launch.get("colab_url", ""),
        interface=launch.get("notebook_interface", "classic"))
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("type") == "link" and button.get("text") in urls:
                button["url"] = urls[button["text"]]


# --- 8. chapters executed side by side -----------------------------------------------------------

#: The BLAS libraries' thread settings given to the kernels (numpy's OpenBLAS reads the first).
ONE_BLAS_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread_for_kernels(environ=os.environ) -> None:
    """Give the kernels this process starts one BLAS thread, where nobody chose a number."""
    for name in ONE_BLAS_THREAD:
        environ.setdefault(name, "1")


def notebook_to_execute(env, docname: str):
    """``(path, notebook, nb_config)`` of a page that myst-nb would execute into its cache when
    it reads it, read exactly as myst-nb reads it (so that the cache matches); None for a page
    that is not a notebook, is excluded from execution, or is not executed in cache mode."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    nb_config = env.mystnb_config
    path = Path(env.doc2path(docname))
    text = path.read_text(encoding=env.config.source_encoding)
    reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    for pattern, alias in (nb_config.kernel_rgx_aliases or {}).items():
        if kernel is not None and re.fullmatch(pattern, kernel):
            notebook.metadata["kernelspec"]["name"] = alias
            break
    if nb_config.metadata_key in notebook.metadata:
        overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        nb_config = nb_config.copy(**overrides)
    if nb_config.execution_mode != "cache":
        return None
    if any(PurePosixPath(path.as_posix()).match(pattern)
           for pattern in nb_config.execution_excludepatterns or ()):
        return None
    return path, notebook, nb_config


def execute_notebook(path: Path, notebook, nb_config):
    """Execute ``notebook`` in place as myst-nb's cache mode does; jupyter-cache's result."""
    from jupyter_cache.executors.utils import single_nb_execution

    cwd = TemporaryDirectory() if nb_config.execution_in_temp else nullcontext(str(path.parent))
    with cwd as folder:
        return single_nb_execution(notebook, cwd=os.path.abspath(folder),
                                   timeout=nb_config.execution_timeout,
                                   allow_errors=nb_config.execution_allow_errors,
                                   meta_override=True)


def execution_order(docnames: list[str], first: list[str]) -> list[str]:
    """``docnames`` with those named in ``first`` ahead, in that order; the rest as they were."""
    rank = {name: i for i, name in enumerate(first)}
    return sorted(docnames, key=lambda name: rank.get(name, len(rank)))


def execute_side_by_side(app: Sphinx, env, docnames) -> None:
    """Execute the pages about to be read that are not in the execution cache yet, several at a
    time, and cache them for myst-nb (``env-before-read-docs``)."""
    nb_config = getattr(env, "mystnb_config", None)
    workers = app.config.nnbook_execution_workers or os.cpu_count() or 1
    if nb_config is None or nb_config.execution_mode != "cache" or workers < 2:
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(nb_config.execution_cache_path)
    pending = {}
    for docname in execution_order(sorted(docnames), list(app.config.nnbook_execute_first)):
        try:
            found = notebook_to_execute(env, docname)
        except Exception:  # noqa: BLE001 - myst-nb reports it when it reads the page
            continue
        if found is None:
            continue
        with suppress(KeyError):
            cache.match_cache_notebook(found[1])
            continue
        pending[docname] = found
    if len(pending) < 2:
        return  # nothing to overlap: myst-nb executes it when it reads it
    workers = min(workers, len(pending))
    logger.info(f"nnbook: executing {len(pending)} pages, {workers} at a time")
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nnbook-execute")
    try:
        futures = {docname: pool.submit(execute_notebook, *found)
                   for docname, found in pending.items()}
        for docname, future in futures.items():
            path, notebook, _ = pending[docname]
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - e.g. a dead kernel: myst-nb tries again
                continue
            if result.err is not None:
                continue  # not cached: myst-nb executes the page again and reports the error
            # The line myst-nb writes for a page it executed (bench/book_build.py reads it).
            logger.info(f"Executed notebook in {result.time:.2f} seconds", location=docname)
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time}),
                check_validity=False, overwrite=True)
    finally:  # after Ctrl-C, start no other page
        pool.shutdown(wait=True, cancel_futures=True)


def setup(app: Sphinx) -> dict:
    app.add_config_value("nnbook_notebooks_branch", "notebooks", "html", [str])
    app.add_config_value("nnbook_nnlib_ref", "main", "html", [str])
    app.add_config_value("nnbook_nnlib_digest", "", "env", [str])  # set on config-inited
    app.add_config_value("nnbook_repository_url", "", "env", [str])  # set on config-inited
    app.connect("config-inited", set_course_address, priority=100)  # before the theme reads it
    app.connect("config-inited", on_config_inited)
    # Pages executed side by side (0: one at a time per core), the slowest first.
    app.add_config_value("nnbook_execution_workers", 0, "", [int])
    app.add_config_value("nnbook_execute_first", [], "", [list])
    app.connect("env-before-read-docs", execute_side_by_side)
    app.add_role("repo-file", RepositoryFileRole())
    app.connect("build-finished", refresh_static_files)
    # Page-wide and early (priority 100): it must run before the theme's deferred bundle, the
    # widget manager and MathJax.
    app.add_js_file("nnbook.js", priority=100)
    app.connect("html-page-context", remove_duplicate_scripts, priority=400)
    app.connect("html-page-context", adapt_notebook_page, priority=600)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
