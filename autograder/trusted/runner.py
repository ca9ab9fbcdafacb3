"""The trusted run's inside: ``python -m autograder.trusted.runner``, in a sandbox without nnlib.

It reads one JSON request on standard input (written by ``autograder.trusted.scoring``): the
plan of a notebook as a list of steps, each either a learner's code cell to run or a graded test
cell to observe, with the cases the grader chose for each of its aspects (encoded with
``autograder.trusted.wire``; given nnlib objects are rebuilt as the stand-ins of
``autograder.trusted.given``), and the per-cell time limit. Then it

1. copies the submission's files from ``/input`` into its working folder (as the kernel does);
2. imports the checks with the stand-in nnlib installed, and removes the stand-in (``check``
   itself becomes a no-op: a learner's own call in an answer cell must not fail the cell);
3. runs the steps in notebook order: each code cell in one shared namespace, as a kernel
   would (IPython magics are translated and then ignored); at each test cell, runs each of its
   aspects' ``observe`` on each case, with the learner's function or class as the test cell
   would find it at that point;
4. writes one JSON line per cell and per case to the result channel, then
   ``{"type": "done"}``; before step 1, before anything of the submission is touched, it writes
   ``{"type": "ready"}``, so that the grader can tell a run that never started (its own
   failure) from one the submission's files or code ended.

It never compares anything: the values go back as plain data and the grader compares them
with nnlib in its own process. The result channel is a private copy of the standard output
taken before any learner code runs; file descriptors 1 and 2 then point to /dev/null, so that
what the learner's code prints cannot mix with it. (Learner code can still find the channel and
write to it; whatever it writes is only data, and is checked as such.)
"""
from __future__ import annotations

import builtins
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

from autograder.trusted import wire

MAX_TEXT = 4000


class StepTimeout(BaseException):
    """Raised in learner code when a cell or case runs past its time limit (a BaseException,
    so that the checks' ``except Exception`` does not swallow it)."""


def _alarm(signum, frame):
    raise StepTimeout()


class _Watchdog(threading.Thread):
    """Ends the run when a step overruns its limit and the alarm did not stop it (learner code
    can ignore SIGALRM): writes a "stopped" record and exits, keeping what was done."""

    GRACE = 3.0

    def __init__(self, emit):
        super().__init__(daemon=True, name="trusted-watchdog")
        self.emit = emit
        self.deadline = None
        self.label = ""

    def run(self):
        while True:
            time.sleep(0.2)
            deadline = self.deadline
            if deadline is not None and time.monotonic() > deadline + self.GRACE:
                self.emit({"type": "stopped",
                           "reason": f"{self.label} ran past its time limit and could not be "
                                     "interrupted"})
                os._exit(3)


_watchdog: _Watchdog | None = None


class _Limit:
    """A time limit for a block: SIGALRM raises StepTimeout in it; the watchdog backs it up.
    Limits nest (the inner one restores the outer)."""

    def __init__(self, seconds: float, label: str = "a step"):
        self.seconds = max(0.01, float(seconds))
        self.label = label

    def __enter__(self):
        self.started = time.monotonic()
        self.outer_alarm, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        seconds = min(self.seconds, self.outer_alarm) if self.outer_alarm else self.seconds
        if _watchdog is not None:
            self.outer = (_watchdog.deadline, _watchdog.label)
            _watchdog.deadline, _watchdog.label = self.started + seconds, self.label
        signal.setitimer(signal.ITIMER_REAL, seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)
        if _watchdog is not None:
            _watchdog.deadline, _watchdog.label = self.outer
        if self.outer_alarm:
            left = self.outer_alarm - (time.monotonic() - self.started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
        return False


def _text(value, limit=MAX_TEXT) -> str:
    """str(value), safely: learner objects may raise, or hang, in __str__."""
    try:
        with _Limit(2.0):
            text = str(value)
    except BaseException as error:  # noqa: BLE001
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text[:limit]


def _no_check(*args, **kwargs) -> None:
    """What ``autograder.checks.check`` is in the trusted run."""


def _copy_inputs(source: Path, target: Path) -> None:
    if source.is_dir():
        for entry in source.iterdir():
            destination = target / entry.name
            try:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.copytree(entry, destination, symlinks=True, dirs_exist_ok=True)
                else:
                    shutil.copy2(entry, destination, follow_symlinks=False)
            except OSError:
                pass


class _Shell:
    """What ``get_ipython()`` returns here: magics and shell commands are ignored."""

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    getoutput = system

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _compile(source: str, name: str):
    try:
        return compile(source, name, "exec")
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        return compile(TransformerManager().transform_cell(source), name, "exec")


def main() -> int:
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    request = json.loads(sys.stdin.read())
    sys.stdin.close()
    _silence_standard_streams()
    emit = _emitter(channel)
    _start_watchdog(emit)
    # Nothing of the submission has been touched yet: its files are copied next (and can shadow
    # modules the checks import), then its code runs. A run that ends before this record failed
    # for the grader's reasons (see scoring.runner_started).
    emit({"type": "ready"})
    _copy_inputs(Path("/input"), Path.cwd())
    checks = _load_checks(request)
    namespace = _learner_namespace()
    cell_timeout = float(request.get("cell_timeout", 30))
    deadline = time.monotonic() + float(request.get("seconds", 300))
    for step in request["steps"]:
        if step["kind"] == "cell":
            emit(_run_cell(step, namespace, min(cell_timeout, deadline - time.monotonic()),
                           cell_timeout))
        else:
            _observe_test_cell(step, namespace, checks, cell_timeout, deadline, emit)
    emit({"type": "done"})
    channel.flush()
    return 0


def _silence_standard_streams() -> None:
    """Point file descriptors 0, 1 and 2 at /dev/null: what the learner's code prints must not
    mix with the result channel (a private copy of the standard output)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)


def _emitter(channel):
    """A function that writes one record to the result channel, whole, from any thread."""
    lock = threading.Lock()

    def emit(record: dict) -> None:
        with lock:
            channel.write(json.dumps(record) + "\n")
            channel.flush()

    return emit


def _start_watchdog(emit) -> None:
    global _watchdog
    _watchdog = _Watchdog(emit)
    _watchdog.start()
    signal.signal(signal.SIGALRM, _alarm)


@dataclass(frozen=True)
class _Checks:
    """What the run needs of the checks, imported by :func:`_load_checks`."""

    aspects: dict          # autograder.checks.ASPECTS
    core: types.ModuleType  # autograder.checks._core (Case, run, NotWritten)
    given_classes: dict    # the stand-ins of given nnlib classes, by name


def _load_checks(request: dict) -> _Checks:
    """Import the checks with the stand-in nnlib installed (then removed); make ``check`` a
    no-op."""
    import numpy as np  # noqa: F401 - before any learner code, as the checks need it

    from autograder.trusted import given

    classes = given.install(frozenset(request["given"]), request["nnlib_files"])
    try:
        import autograder.checks
        from autograder.checks import ASPECTS, _check, _core
    finally:
        given.uninstall()
    # A learner's own call of check() in an answer cell (to try their code) does nothing here:
    # the comparison needs nnlib, and the grader makes it.
    autograder.checks.check = _check.check = _no_check
    return _Checks(ASPECTS, _core, classes)


def _learner_namespace() -> dict:
    """The one namespace every code cell runs in, as in a kernel (magics do nothing)."""
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    namespace["get_ipython"] = _Shell
    namespace["display"] = lambda *args, **kwargs: None
    sys.path.insert(0, os.getcwd())
    return namespace


def _run_cell(step: dict, namespace: dict, seconds: float, cell_timeout: float) -> dict:
    """Run one of the learner's code cells for at most ``seconds``; its record."""
    record = {"type": "cell", "index": step["index"], "ok": True}
    started = time.monotonic()
    try:
        code = _compile(step["source"], f"<cell {step['index']}>")
        with _Limit(seconds, f"cell {step['index']}"):
            exec(code, namespace)
    except StepTimeout:
        record.update(ok=False, error="StepTimeout",
                      message=f"the cell ran past its {cell_timeout:g} s limit")
    except BaseException as error:  # noqa: BLE001 - the learner's code may raise anything
        record.update(ok=False, error=type(error).__name__, message=_text(error),
                      traceback=_text("".join(traceback.format_exception(error)[-3:])))
    record["seconds"] = round(time.monotonic() - started, 4)
    return record


def _observe_test_cell(step: dict, namespace: dict, checks: _Checks, cell_timeout: float,
                       deadline: float, emit) -> None:
    """At a test cell: observe each of its aspects on each case; emit one record per case."""
    for item in step["aspects"]:
        aspect = checks.aspects[item["key"]]
        impl = namespace.get(item["impl"])
        for index, case_data in enumerate(item["cases"]):
            record = {"type": "case", "cell": step["cell"], "key": item["key"], "index": index}
            seconds = min(cell_timeout, deadline - time.monotonic())
            record.update(_observe_case(aspect, impl, item["key"], case_data, checks, seconds))
            emit(record)


def _observe_case(aspect, impl, key: str, case_data: dict, checks: _Checks,
                  seconds: float) -> dict:
    """What the learner's ``impl`` did on one case, as the fields of its record."""
    core = checks.core

    def rebuild(data, decode_item):
        return _rebuild(data, decode_item, checks.given_classes)

    try:
        case = core.Case(case_data["label"], wire.decode(case_data["args"], rebuild),
                         wire.decode(case_data["kwargs"], rebuild),
                         float32=case_data["float32"], seed=case_data["seed"])
        if impl is None:
            return {"missing": True}
        with _Limit(seconds, f"{key} on {case.label}"):
            outcome = core.run(aspect, impl, case, learner=True)
        return _outcome(outcome, wire, core.Steps)
    except StepTimeout:
        return {"timeout": True}
    except core.NotWritten:
        return {"not_written": True}
    except BaseException as error:  # noqa: BLE001
        return {"crashed": f"{type(error).__name__}: {_text(error, 500)}"}


def _outcome(outcome, wire, steps_type=None) -> dict:
    """An Outcome of ``autograder.checks._core.run`` as plain data. A trajectory the aspect
    collected (``steps_type``, the checks' ``Steps``, a list that names its items by step) is
    sent as the plain list it is: the grader's own expected value says it is a trajectory."""

    def plain(value):
        return list(value) if steps_type is not None and type(value) is steps_type else value

    record = {"warnings": [_text(w, 500) for w in outcome.warnings[:50]],
              "stderr": _text(outcome.stderr, MAX_TEXT),
              "return_problem": _text(outcome.return_problem) if outcome.return_problem else ""}
    if outcome.error is not None:
        record["error"] = {"type": type(outcome.error).__name__,
                           "builtin": type(outcome.error).__module__ == "builtins",
                           "message": _text(outcome.error),
                           "where": _text(outcome.error_text)}
    if outcome.value is not None:
        if type(outcome.value) is dict:
            record["value"] = {str(k): wire.encode(plain(v)) for k, v in outcome.value.items()}
        else:
            record["value"] = {"": wire.encode(plain(outcome.value))}
    return record


def _rebuild(data, decode_item, classes):
    """A given object from its encoding (see ``scoring._given_encoding``)."""
    import importlib

    import numpy as np

    kind = data.get("given")
    if kind in ("nnlib", "checks-object"):
        if kind == "nnlib":
            cls = classes.get(data.get("class"))
        else:
            cls = _checks_attribute(data.get("class"), importlib)
        if not isinstance(cls, type):
            raise wire.WireError(f"no given class {data.get('class')!r} here")
        obj = cls.__new__(cls)
        state = decode_item(data["state"])
        if type(state) is not dict:
            raise wire.WireError("malformed object state")
        obj.__dict__.update(state)
        return obj
    if kind == "checks":
        return _checks_attribute(data.get("ref"), importlib)
    if kind == "rng":
        bit_generator = getattr(np.random, _bit_generator(data.get("bit_generator")))
        generator = np.random.Generator(bit_generator())
        generator.bit_generator.state = decode_item(data["state"])
        return generator
    if kind == "dtype":
        return np.dtype(_dtype_name(data.get("name")))
    if kind == "scalar_type":
        return np.dtype(_dtype_name(data.get("name"))).type
    if kind == "builtin_type":
        return {"float": float, "int": int, "bool": bool, "complex": complex}[data.get("name")]
    raise wire.WireError(f"unknown given object {kind!r}")


def _checks_attribute(ref, importlib):
    if type(ref) is not str or "." not in ref:
        raise wire.WireError(f"malformed reference {ref!r}")
    module_name, _, attribute = ref.rpartition(".")
    if not module_name.replace("_", "").replace(".", "").isalnum() or attribute.startswith("_") \
            or not wire.is_checks_module(module_name):
        raise wire.WireError(f"malformed reference {ref!r}")
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


def _bit_generator(name):
    if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise ValueError(f"unknown bit generator {name!r}")
    return name


def _dtype_name(name):
    if name not in wire.DTYPES:
        raise ValueError(f"unknown dtype {name!r}")
    return name


if __name__ == "__main__":
    sys.exit(main())
