"""Before grading anyone: one trivial notebook through the real sandbox, kernel and trusted run.

A sandbox that cannot start a kernel (the interpreter not visible inside, a missing package, a
broken bubblewrap) fails every submission alike, for a reason no student controls. Found here,
it stops the command with one line saying why, before anyone is graded; found later, it would
be a class of zeros. :func:`check` takes about a second (a kernel start and a runner start,
side by side).
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .sandbox import SandboxUnavailable
from .spec import first_line

#: What the trivial notebook computes, and what it must print.
PROGRAM, EXPECTED = "print(6 * 7)", "42"
SECONDS = 30.0


class PreflightFailed(SandboxUnavailable):
    """The sandbox starts, but a trivial notebook cannot run in it; the message says where."""


def check(seconds: float = SECONDS) -> None:
    """Run :data:`PROGRAM` in a sandboxed kernel and in a trusted run, as grading does; raise
    :class:`PreflightFailed` (one line) unless both print :data:`EXPECTED`."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-preflight-"))
    try:
        inputs = folder / "input"
        inputs.mkdir()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="preflight") as pool:
            trusted = pool.submit(_trusted_problem, inputs, seconds)
            kernel = _kernel_problem(inputs, seconds)
            problems = [p for p in (kernel, trusted.result()) if p]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if problems:
        raise PreflightFailed("the sandbox cannot run a trivial notebook, so nothing was "
                              "graded: " + "; ".join(problems))


def _kernel_problem(inputs: Path, seconds: float) -> str:
    """"" if a sandboxed kernel runs :data:`PROGRAM`, else what went wrong, in one line."""
    import nbformat
    from nbclient import NotebookClient

    from . import sandbox
    from .sandbox_kernel import grading_kernel, kernel_manager_class

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROGRAM)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    km = kernel_manager_class()(kernel_name="python3")
    km.sandbox_options = grading_kernel(
        inputs, sandbox.Limits(wall_seconds=seconds, cpu_seconds=int(seconds)))
    client = NotebookClient(nb, km=km, timeout=seconds, startup_timeout=seconds)
    try:
        client.execute()
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        return f"the sandboxed kernel failed ({type(error).__name__}: {first_line(error)[:300]})"
    finally:
        # nbclient leaves its clean-up for exit when the kernel never started; do it now
        atexit.unregister(client._cleanup_kernel)
        if client.kc is not None:
            client.kc.stop_channels()
        km.release()
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()
    if printed != EXPECTED:
        return f"the sandboxed kernel printed {printed[:200]!r} instead of {EXPECTED!r}"
    return ""


def _trusted_problem(inputs: Path, seconds: float) -> str:
    """"" if the trusted runner runs :data:`PROGRAM` as a learner's cell, else what went wrong."""
    from . import sandbox
    from .trusted import scoring

    steps = [{"kind": "cell", "index": 0, "source": PROGRAM}]
    request = scoring.trusted_request((), steps, seconds, seconds)
    try:
        result = scoring.run_trusted(request, inputs, sandbox.Limits(
            wall_seconds=seconds, cpu_seconds=int(seconds)))
    except Exception as error:  # noqa: BLE001
        return f"the trusted run failed ({type(error).__name__}: {first_line(error)[:300]})"
    records, complaint, tampered = scoring.read_result(result, steps)
    if complaint or tampered or not all(r.get("ok", True) for r in records):
        stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return (f"the trusted run failed (exit code {result.returncode}"
                + (f": {stderr[-1][:300]}" if stderr else "") + ")")
    return ""

