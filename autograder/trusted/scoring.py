"""Trusted scoring: the points of every ``check`` test cell, decided outside the learner's process.

A test cell of the exercises is ``check("part.aspect", impl, seed=..., hidden=...)`` calls and
nothing else. Run inside the learner's kernel, such a cell can be fooled: the learner's code
runs in the same process as the comparison, so it can replace numpy's comparison functions,
return objects that compare equal to anything, read the expected values from the checker's
stack frames, or call nnlib itself. So the score of such a cell is decided here, in the grader:

1. :func:`checked_cells` reads the *instructor's* source of every test cell (never the
   learner's copy) and keeps the cells that consist only of ``check`` calls (and imports);
2. :func:`score_notebook` chooses the cases in the grader process: the cell's own (the
   self-check's and the hidden tests' seeds) plus fresh ones drawn from a secret seed the
   learner cannot know, and computes nnlib's answers for them here;
3. a fresh sandbox without nnlib or torch (``autograder.trusted.runner``) runs the learner's
   code cells in notebook order (never a test cell) and, at each test cell, runs each aspect's
   ``observe`` on those cases, and sends back only plain data (``autograder.trusted.wire``);
4. the values are compared with nnlib's here, with the checks' own comparison and tolerances.

A cell earns its points only if every case agrees. A part whose code reaches for nnlib or
torch (which the sandbox does not have) earns nothing and is flagged as delegation; a part that
passed in the notebook but not here is flagged too, with the first difference and any
suspicious constructs in the code (see ``autograder.trusted.scan``), since that is what
patching or stack-reading looks like from the outside.
"""
from __future__ import annotations

import ast
import builtins
import json
import secrets
import sys
import types
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import sandbox
from . import wire

#: How many characters of a failure are kept in a flag or a feedback note.
MESSAGE_LIMIT = 1200


@dataclass(frozen=True)
class CheckCall:
    """One ``check(key, impl, seed=..., hidden=...)`` call of a test cell."""

    key: str
    impl: str
    seed: int | None
    hidden: bool


@dataclass
class CellVerdict:
    """The trusted score of one test cell."""

    cell: str
    max_score: float
    points: float = 0.0
    passed: bool = False
    reason: str = ""       # the first failure, in words ("" when passed)
    kind: str = ""         # "", "delegation", "error" or "failed"
    cases: int = 0
    keys: tuple[str, ...] = ()


@dataclass
class NotebookVerdict:
    """The trusted scores of one notebook's check cells, and what the run noticed."""

    cells: dict[str, CellVerdict] = field(default_factory=dict)
    secret: int | None = None
    error: str = ""          # the whole trusted run failed (sandbox limit, unreadable output)
    cell_errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    sandbox_seconds: float = 0.0


@dataclass
class AspectCases:
    """The cases of one aspect of one test cell, chosen in the grader, with nnlib's answers."""

    key: str
    cases: list  # the cell's own sets of cases, then the secret set, one after another
    sets: list[tuple[int, int]]  # where each set starts and stops in ``cases``
    expected: list  # nnlib's answer to each case

    def set_containing(self, index: int) -> tuple[int, int]:
        return next(s for s in self.sets if s[0] <= index < s[1])


class Untransferable(Exception):
    """A case holds an object the sandbox cannot be given (the cell keeps its notebook score)."""


# --- which cells ------------------------------------------------------------------------------

def _constant(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and \
            isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    raise ValueError("not a constant")


def parse_check_cell(source: str) -> list[CheckCall] | None:
    """The ``check`` calls of a test cell, or None if the cell does anything else."""
    from autograder.checks import ASPECTS

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = []
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            return None
        call = statement.value
        name = call.func.id if isinstance(call.func, ast.Name) else (
            call.func.attr if isinstance(call.func, ast.Attribute) else None)
        if name != "check" or len(call.args) != 2 or not isinstance(call.args[1], ast.Name):
            return None
        try:
            key = _constant(call.args[0])
            options = {kw.arg: _constant(kw.value) for kw in call.keywords}
        except ValueError:
            return None
        if key not in ASPECTS or set(options) - {"seed", "hidden"}:
            return None
        seed, hidden = options.get("seed"), options.get("hidden", False)
        if not (seed is None or type(seed) is int) or type(hidden) is not bool:
            return None
        calls.append(CheckCall(key, call.args[1].id, seed, hidden))
    return calls or None


def checked_cells(spec) -> dict[str, list[CheckCall]]:
    """{grade cell name: its check calls} for the test cells that trusted scoring covers."""
    solutions = set(spec.solution_cells)
    found = {}
    for grade in spec.grade_cells:
        if grade.name in solutions or grade.cell_type != "code":
            continue
        try:
            source = spec.source_cell(grade.name).source
        except KeyError:
            continue
        calls = parse_check_cell(source)
        if calls:
            found[grade.name] = calls
    return found


# --- cases and what crosses into the sandbox --------------------------------------------------

def _case_sets(key: str, calls: list[CheckCall], secret: int):
    """(rng seed, hidden) for each set of cases: the cell's own, then the secret one."""
    from autograder.checks._core import visible_seed

    sets = []
    for call in calls:
        if call.key == key:
            entry = (visible_seed(key) if call.seed is None else call.seed, call.hidden)
            if entry not in sets:
                sets.append(entry)
    sets.append(([secret, zlib.crc32(key.encode())], True))
    return sets


def _given_encoding(given_names: frozenset[str]):
    """The ``given`` hook of :func:`wire.encode` for the grader's cases."""
    import numpy as np

    def given(value):
        cls = type(value)
        module = getattr(cls, "__module__", "") or ""
        if module.startswith("nnlib.") or module == "nnlib":
            if cls.__name__ not in given_names:
                raise Untransferable(f"a case holds an nnlib {cls.__name__}, which this "
                                     "assignment does not give to learners")
            return {"given": "nnlib", "class": cls.__name__,
                    "state": wire.encode(vars(value), given)}
        if isinstance(value, np.random.Generator):
            bit = value.bit_generator
            return {"given": "rng", "bit_generator": type(bit).__name__,
                    "state": wire.encode(bit.state, given)}
        if isinstance(value, np.dtype):
            return {"given": "dtype", "name": value.name}
        if isinstance(value, type) and issubclass(value, np.generic):
            return {"given": "scalar_type", "name": np.dtype(value).name}
        if any(value is t for t in (float, int, bool, complex)):
            return {"given": "builtin_type", "name": value.__name__}
        if isinstance(value, (types.FunctionType, type)) and \
                wire.is_checks_module(getattr(value, "__module__", "") or ""):
            return {"given": "checks", "ref": f"{value.__module__}.{value.__qualname__}"}
        if wire.is_checks_module(module):
            return {"given": "checks-object", "class": f"{module}.{cls.__qualname__}",
                    "state": wire.encode(vars(value), given)}
        raise Untransferable(f"a case holds a {module}.{cls.__qualname__}, which the sandbox "
                             "cannot be given")

    return given


def _encode_case(case, given) -> dict:
    return {"label": case.label, "args": wire.encode(tuple(case.args), given),
            "kwargs": wire.encode(dict(case.kwargs), given), "float32": bool(case.float32),
            "seed": int(case.seed)}


# --- reading the runner's answer ----------------------------------------------------------------

_SAFE_ERRORS = {name: getattr(builtins, name) for name in dir(builtins)
                if isinstance(getattr(builtins, name), type)
                and issubclass(getattr(builtins, name), Exception)}


def _error(data) -> BaseException:
    """An exception standing for the learner's (same builtin type and message where possible,
    so the checks' mistake recognition can compare them)."""
    name = data.get("type") if isinstance(data.get("type"), str) else "Exception"
    message = data.get("message") if isinstance(data.get("message"), str) else ""
    cls = _SAFE_ERRORS.get(name) if data.get("builtin") else None
    if cls is None:
        cls = type(name if name.isidentifier() else "Exception", (Exception,), {})
    try:
        error = cls(message)
    except Exception:  # noqa: BLE001 - exceptions with unusual constructors
        error = Exception(message)
    return error


def _outcome(record: dict):
    """The checks' Outcome for one case, from the runner's record (plain data only)."""
    from autograder.checks._core import Outcome

    outcome = Outcome()
    if "value" in record:
        value = record["value"]
        if type(value) is not dict:
            raise wire.WireError("a malformed value")
        outcome.value = {name: wire.decode(item) for name, item in value.items()}
    if "error" in record:
        if type(record["error"]) is not dict:
            raise wire.WireError("a malformed error")
        outcome.value = None
        outcome.error = _error(record["error"])
        where = record["error"].get("where")
        outcome.error_text = where if isinstance(where, str) else ""
    problem = record.get("return_problem")
    if problem:
        outcome.value = None
        outcome.return_problem = str(problem)
    outcome.warnings = [str(w) for w in record.get("warnings", []) if isinstance(w, str)]
    stderr = record.get("stderr")
    outcome.stderr = stderr if isinstance(stderr, str) else ""
    return outcome


def _sequence(steps: list[dict]) -> list[tuple]:
    """The records the runner writes for ``steps``, in order (see ``runner.main``)."""
    expected = []
    for step in steps:
        if step["kind"] == "cell":
            expected.append(("cell", step["index"]))
        else:
            for item in step["aspects"]:
                expected += [("case", step["cell"], item["key"], index)
                             for index in range(len(item["cases"]))]
    return expected


def _identity(record: dict) -> tuple:
    if record.get("type") == "cell":
        return ("cell", record.get("index"))
    return ("case", record.get("cell"), record.get("key"), record.get("index"))


def read_records(stdout: bytes, steps: list[dict]) -> tuple[list[dict], str, bool]:
    """The runner's records, a complaint if they are incomplete, and whether they were tampered
    with. The runner writes exactly one record per step and case, in plan order, then "done" (or
    "stopped" when its watchdog ends a run that overran); anything else in the channel (a line
    that is not a record, a record out of order or twice) was written by the learner's code, and
    then none of the run's results count."""
    expected = _sequence(steps)
    records = []
    lines = [line for line in stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            return records, f"line {number} of the trusted run's output is not JSON", True
        if type(record) is not dict:
            return records, f"line {number} of the trusted run's output is not a record", True
        if number == 1 and record == READY:
            continue
        if record.get("type") in ("done", "stopped"):
            if number != len(lines):
                return records, "the trusted run's output goes on after its end", True
            if record["type"] == "done":
                if len(records) != len(expected):
                    return records, "the trusted run's output ends early: tampered with", True
                return records, "", False
            reason = record.get("reason")
            return records, ("the trusted run was stopped: "
                             + (reason[:200] if isinstance(reason, str) else "time limit")), False
        if len(records) >= len(expected) or _identity(record) != expected[len(records)]:
            return records, (f"line {number} of the trusted run's output is not the result it "
                             "should be: written by the learner's code"), True
        records.append(record)
    return records, "the trusted run did not finish", False


#: The runner's first record, written before it touches anything of the submission.
READY = {"type": "ready"}


class TrustedRunNotStarted(RuntimeError):
    """The trusted run ended before it touched the submission (no :data:`READY` record): the
    sandbox, the interpreter or the runner failed, not the submission, so the submission is
    not graded rather than scored 0."""


def runner_started(stdout: bytes) -> bool:
    """Whether the runner wrote :data:`READY` (nothing of the submission exists in its view
    before it: not its files, which could shadow modules, and not its code)."""
    first = next((line for line in stdout.decode("utf-8", "replace").splitlines()
                  if line.strip()), "")
    try:
        return json.loads(first) == READY
    except (json.JSONDecodeError, RecursionError):
        return False


def not_started_reason(result: sandbox.SandboxResult) -> str:
    """Why a trusted run that never reached the learner's code ended, in one line."""
    tail = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return (f"the trusted run ended before it reached the submission (exit code "
            f"{result.returncode}" + (f", {result.limit_hit}" if result.limit_hit else "")
            + (f": {tail[-1][:300]}" if tail else "") + ")")


# --- the whole notebook ---------------------------------------------------------------------------

def trusted_sources() -> tuple[Path, ...]:
    """What the trusted runner may read of this repository: the checks and the course content
    they import, the sandbox's messages, the runner itself; not the rest (the grader), and no
    nnlib (the request carries the text of its answer-free files)."""
    from autograder import content

    package = Path(__file__).resolve().parents[1]
    return (*content.checks_sources(), package / "sandbox.py", package / "trusted")


def plan_steps(nb, spec, calls_by_cell, config=None) -> list[tuple[str, object]]:
    """The notebook as the trusted run sees it: ("cell", (index, source)) for each code cell
    that is the learner's to run, ("grade", name) at each test cell that trusted scoring
    covers. Test cells (and copies of them) are never run."""
    from .. import integrity

    test_cells = {g.name for g in spec.grade_cells if g.name not in set(spec.solution_cells)}
    test_sources = set()
    for name in test_cells:
        try:
            source = spec.source_cell(name).source
        except KeyError:
            continue
        test_sources |= {source.strip(), integrity.released_source(source, config).strip()}
    steps = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if grade_id in calls_by_cell:
            steps.append(("grade", grade_id))
        elif grade_id in test_cells or source.strip() in test_sources:
            continue
        else:
            steps.append(("cell", (index, source)))
    return steps


def score_notebook(nb, spec, *, inputs: Path, timeout: float,
                   cell_timeout: float, config=None, limits: sandbox.Limits | None = None,
                   secret: int | None = None) -> NotebookVerdict:
    """Trusted scores for the check cells of one sanitized notebook (see the module docstring).

    ``inputs`` is the folder of the submission's files (mounted read-only in the sandbox).
    """
    import time

    from autograder.checks import ASPECTS, PARTS

    from .given import given_for

    started = time.monotonic()
    verdict = NotebookVerdict(secret=secrets.randbits(63) if secret is None else secret)
    calls_by_cell = checked_cells(spec)
    if not calls_by_cell:
        return verdict
    keys = {call.key for calls in calls_by_cell.values() for call in calls}
    given_names = given_for({PARTS[ASPECTS[key].part].assignment for key in keys})
    request_steps, planned = _plan(nb, spec, calls_by_cell, verdict, given_names, config)
    if not verdict.cells:
        return verdict

    request = trusted_request(given_names, request_steps, cell_timeout, timeout)
    result = run_trusted(request, inputs, limits or sandbox.Limits(
        wall_seconds=timeout + 15, cpu_seconds=int(timeout) + 10, processes=32))
    verdict.sandbox_seconds = result.wall_seconds
    if not runner_started(result.stdout):
        raise TrustedRunNotStarted(not_started_reason(result))
    records, complaint, tampered = read_result(result, request_steps)
    by_case = _records_by_case(records, verdict.cell_errors)
    for cell, cell_verdict in verdict.cells.items():
        _judge_cell(cell_verdict, planned[cell], by_case, complaint, verdict.cell_errors)
    verdict.error = complaint if complaint and (tampered or not by_case) else ""
    verdict.seconds = time.monotonic() - started
    return verdict


def _plan(nb, spec, calls_by_cell, verdict: NotebookVerdict, given_names,
          config) -> tuple[list[dict], dict[str, list[AspectCases]]]:
    """The runner's steps, and the cases chosen for each test cell it observes.

    Adds a CellVerdict to ``verdict.cells`` for each test cell scored in isolation (the first
    copy of a duplicated one), and a cell error for one whose cases the sandbox cannot be given."""
    encode_given = _given_encoding(given_names)
    grade_points = {g.name: g.max_score for g in spec.grade_cells}
    request_steps, planned = [], {}
    for kind, item in plan_steps(nb, spec, calls_by_cell, config):
        if kind == "cell":
            index, source = item
            request_steps.append({"kind": "cell", "index": index, "source": source})
            continue
        cell = item
        if cell in verdict.cells:  # a duplicated test cell: its first position counts
            continue
        calls = calls_by_cell[cell]
        step = {"kind": "grade", "cell": cell, "aspects": []}
        aspects = []
        try:
            for key in dict.fromkeys(call.key for call in calls):
                chosen, encoded = _choose_cases(key, calls, verdict.secret, encode_given)
                aspects.append(chosen)
                step["aspects"].append(encoded)
        except Untransferable as why:
            verdict.cell_errors.append({"cell": cell, "message": f"not graded in isolation: {why}"})
            continue
        planned[cell] = aspects
        verdict.cells[cell] = CellVerdict(cell, grade_points.get(cell, 0.0),
                                          keys=tuple(a.key for a in aspects),
                                          cases=sum(len(a.cases) for a in aspects))
        request_steps.append(step)
    return request_steps, planned


def _choose_cases(key: str, calls: list[CheckCall], secret: int,
                  encode_given) -> tuple[AspectCases, dict]:
    """The cases of one aspect of a test cell with nnlib's answers, and the runner's step item
    that carries them (raises Untransferable if a case cannot cross into the sandbox)."""
    import numpy as np

    from autograder.checks import ASPECTS
    from autograder.checks._core import reference

    aspect = ASPECTS[key]
    impl = next(call.impl for call in calls if call.key == key)
    cases, sets = [], []
    for seed, hidden in _case_sets(key, calls, secret):
        start = len(cases)
        cases += aspect.cases(np.random.default_rng(seed), hidden)
        sets.append((start, len(cases)))
    encoded = {"key": key, "impl": impl, "cases": [_encode_case(c, encode_given) for c in cases]}
    return AspectCases(key, cases, sets, [reference(aspect, c) for c in cases]), encoded


def trusted_request(given_names, steps: list[dict], cell_timeout: float,
                    seconds: float) -> dict:
    """What the runner reads on its standard input: the nnlib names given to learner code (and
    the text of nnlib's answer-free files), the steps, and the time limits."""
    from .given import nnlib_files

    return {"given": sorted(given_names), "nnlib_files": nnlib_files(),
            "cell_timeout": cell_timeout, "seconds": seconds, "steps": steps}


def run_trusted(request: dict, inputs: Path, limits: sandbox.Limits) -> sandbox.SandboxResult:
    """Run ``autograder.trusted.runner`` on ``request`` in a fresh sandbox."""
    return sandbox.run([sys.executable, "-m", "autograder.trusted.runner"], inputs=inputs,
                       allowed_sources=trusted_sources(), limits=limits,
                       stdin=json.dumps(request).encode())


def read_result(result: sandbox.SandboxResult,
                 request_steps: list[dict]) -> tuple[list[dict], str, bool]:
    """The trusted run's records (none if tampered with), what went wrong with the run in words
    ("" if nothing), and whether it was tampered with (see :func:`read_records`)."""
    records, complaint, tampered = read_records(result.stdout, request_steps)
    if tampered:
        records = []
    elif result.limit_hit and complaint:
        complaint = f"the trusted run was stopped: {result.limit_hit}"
    elif complaint and result.returncode != 0:
        tail = result.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        complaint += f" (exit code {result.returncode}{': ' + ' / '.join(tail) if tail else ''})"
    return records, complaint, tampered


def _records_by_case(records: list[dict], cell_errors: list[dict]) -> dict[tuple, dict]:
    """{(cell, key, index): record} for the cases; a failed code cell goes to ``cell_errors``."""
    by_case = {}
    for record in records:
        if record["type"] == "cell" and not record.get("ok", True):
            cell_errors.append({"cell": record.get("index"),
                                "message": f"{record.get('error')}: "
                                           f"{str(record.get('message'))[:300]}"})
        elif record["type"] == "case":
            by_case[(record.get("cell"), record.get("key"), record.get("index"))] = record
    return by_case


def _judge_cell(cell_verdict: CellVerdict, aspects: list[AspectCases], by_case: dict,
                complaint: str, cell_errors: list[dict]) -> None:
    """Decide one test cell: every case of every aspect must agree with nnlib."""
    from autograder.checks import ASPECTS, PARTS
    from autograder.checks._core import compare

    cell = cell_verdict.cell
    for planned in aspects:
        aspect, part = ASPECTS[planned.key], PARTS[ASPECTS[planned.key].part]
        failure, kind, failed_record, failed_index = "", "", None, 0
        outcomes = []  # every case's outcome, for recognising a known mistake
        for index, case in enumerate(planned.cases):
            record = by_case.get((cell, planned.key, index))
            why, what = _case_failure(aspect, part, case, record, planned.expected[index],
                                      complaint, outcomes, compare)
            if why and not failure:
                failure, kind, failed_record, failed_index = why, what, record, index
            if why and what != "failed":
                break  # the rest cannot be trusted or did not run; no hint either
        if failure:
            # Recognise the mistake on the set of cases the failure is in, as the check in the
            # notebook does for the call that failed.
            start, stop = planned.set_containing(failed_index)
            hints = _hints(aspect, planned.cases[start:stop], outcomes[start:stop]) \
                if kind == "failed" and len(outcomes) == len(planned.cases) else ""
            cell_verdict.reason = failure[:max(400, MESSAGE_LIMIT - len(hints))] + hints
            cell_verdict.kind = kind
            # A part that is undefined because the cell defining it failed to import nnlib
            # (or torch) delegated too.
            if (failed_record or {}).get("missing") and any(_delegates(e["message"])
                                                            for e in cell_errors):
                cell_verdict.kind = "delegation"
            return
    cell_verdict.passed = True
    cell_verdict.points = cell_verdict.max_score


def _delegates(message: str) -> bool:
    """Whether an error says that code reached for a blocked library (nnlib, torch, ...)."""
    if sandbox.BLOCKED_MESSAGE in message:
        return True
    return any(f"No module named '{name}" in message for name in sandbox.DEFAULT_BLOCKED)


def _case_failure(aspect, part, case, record, expected, complaint, outcomes, compare):
    """("" , "") if the case agrees with nnlib, else (what went wrong, its kind)."""
    where = f"{part.name}, {aspect.what}, on {case.label}"
    if record is None:
        return f"{where}: no result ({complaint or 'the trusted run stopped before it'})", "error"
    if record.get("missing"):
        return (f"{where}: {part.name} is not defined when this test runs (in the trusted run, "
                f"which runs only your own cells)"), "failed"
    if record.get("timeout"):
        return f"{where}: ran past the time limit", "failed"
    if record.get("not_written"):
        return f"{where}: not written yet (NotImplementedError)", "failed"
    if record.get("crashed"):
        return f"{where}: the trusted run could not observe it ({record['crashed']})", "error"
    try:
        outcome = _outcome(record)
    except (wire.WireError, TypeError, ValueError) as error:
        return f"{where}: the value that came back is not plain data ({error})", "failed"
    outcomes.append(outcome)
    if outcome.error is not None:
        message = f"{type(outcome.error).__name__}: {outcome.error}"
        kind = "delegation" if _delegates(message) else "failed"
        return f"{where}: your code raised {message}", kind
    if outcome.return_problem:
        return f"{where}: {outcome.return_problem}", "failed"
    difference = compare(aspect, case, outcome.value, expected)
    if difference:
        return f"{where}: compared with nnlib, {difference}", "failed"
    if aspect.stable and outcome.overflow_warnings:
        overflows = "; ".join(sorted(set(outcome.overflow_warnings)))
        return f"{where}: your code overflowed ({overflows})", "failed"
    return "", ""


def _hints(aspect, cases, outcomes) -> str:
    """The hints of the known mistakes (at most three) that behave exactly like the learner's
    code on every case (the checks' own recognition, as the notebook shows it)."""
    try:
        from autograder.checks._check import recognise

        found = recognise(aspect, cases, outcomes)
    except Exception:  # noqa: BLE001 - hints are a courtesy; the verdict stands without them
        return ""
    return "".join(f"\n  Likely cause: {m.hint} [known mistake: {m.id}]" for m in found[:3])
