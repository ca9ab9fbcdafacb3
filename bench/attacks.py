"""What plain ``nbgrader autograde`` lets through, next to ``autograder grade``: the security corpus.

Run from the repository root (as root, like grading)::

    python -m bench.attacks [--only NAME ...]

It builds the adversarial corpus of ``tests/security/attack_corpus.py`` (the ``activations``
exercise, a secret planted beside the course, one submission per attack and three honest ones)
and grades it twice:

* **plain nbgrader**: ``nbgrader autograde activations --student NAME``, one student at a time,
  each in its own fresh copy of the released course (so that one attack's damage is charged to
  it alone, and an attack that stops nbgrader stops only its own run; in one batch it would stop
  everyone after it);
* **ours**: ``autograder grade activations`` on the whole corpus at once.

For each attack it prints the points it earned (out of 10) and what else happened: what it
leaked into its graded notebook (the planted secret, a classmate's notebook, the instructor's
solutions or hidden tests), what it wrote outside its folder, whether a process outlived
grading, whether nbgrader itself died or failed, how much memory, how many processes and how
much disk it got, and what the autograder reported. Nothing here is a test: the tests
(``tests/security``) assert that ours lets nothing through; this shows what the sandbox and
trusted scoring buy over plain nbgrader.

The attacks are bounded (see the corpus module), and everything they may leave behind (marker
files, a sleeping process) is removed after each run; still, plain nbgrader runs them as the
grading user, so run this on a machine where that is acceptable.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "security"))

import attack_corpus as corpus  # noqa: E402

BIN = str(Path(sys.executable).parent)
ENV = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
PER_STUDENT_TIMEOUT = 300


def _join(text) -> str:
    return "".join(text) if isinstance(text, list) else str(text)


def _outputs(path: Path) -> list[tuple[str, str]]:
    """(grade id, output text) for each cell of a graded notebook."""
    if not path.exists():
        return []
    try:
        cells = json.loads(path.read_text())["cells"]
    except (ValueError, KeyError):
        return []
    found = []
    for cell in cells:
        parts = []
        for output in cell.get("outputs", []):
            parts.append(_join(output.get("text", "")))
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
            parts.extend(_join(v) for v in (output.get("data") or {}).values())
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id") or ""
        found.append((grade_id, "\n".join(parts)))
    return found


def _leaks(ctx, outputs, name: str) -> list[str]:
    everything = "\n".join(text for _, text in outputs)
    own = "\n".join(text for cell, text in outputs if not cell.startswith("test-"))
    found = []
    for label, marker in ctx.markers().items():
        if label == "victim's notebook" and name == corpus.VICTIM:
            continue
        haystack = everything if label in ("planted secret", "victim's notebook",
                                           "instructor's solution") else own
        name = "hidden tests" if label.startswith("hidden") else label
        if marker in haystack and name not in found:
            found.append(name)
    return found


def _points(course: Path, student: str) -> float | None:
    try:
        with sqlite3.connect(course / "gradebook.db") as db:
            rows = db.execute(
                "select g.auto_score, g.manual_score from grade g "
                "join submitted_notebook sn on g.notebook_id = sn.id "
                "join submitted_assignment sa on sn.assignment_id = sa.id "
                "where sa.student_id = ?", (student,)).fetchall()
    except sqlite3.Error:
        return None
    if not rows:
        return None
    return sum((manual if manual is not None else auto) or 0.0 for auto, manual in rows)


def _pwned_tables(course: Path) -> bool:
    try:
        with sqlite3.connect(course / "gradebook.db") as db:
            return any(r[0].startswith("pwned") for r in
                       db.execute("select name from sqlite_master").fetchall())
    except sqlite3.Error:
        return False


def _resources(text: str) -> str:
    found = re.findall(r"RESULT: ([^\n]+)", text)
    return found[0] if found else ""


def _clean(ctx, roots) -> tuple[list[str], list[int]]:
    """Remove what the attacks left (marker files, sleeping processes); say what it was."""
    planted = corpus.planted_files(ctx, roots)
    for path in planted:
        try:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        except OSError:
            pass
    survivors = corpus.orphans(ctx)
    for pid in survivors:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return [str(p) for p in planted], survivors


def _where(paths: list[str], ctx, course: Path) -> list[str]:
    """Where the planted files are, in words."""
    courses = (str(course), str(ctx.course))
    places = []
    for path in paths:
        if path.startswith(str(ctx.site_packages)):
            places.append("site-packages")
        elif path.startswith(courses) and path.endswith("gradebook.db"):
            places.append("the gradebook")
        elif path.startswith(courses) and "/source/" in path:
            places.append("the instructor's folder")
        elif path.startswith(courses) and "/submitted/" in path:
            places.append("a classmate's folder")
        elif path.startswith(courses):
            places.append("the course folder")
        elif path.startswith("/dev/shm"):
            places.append("/dev/shm")
        elif path.startswith("/tmp"):
            places.append("/tmp")
        else:
            places.append(os.path.dirname(path) or path)
    return sorted(set(places))


def run_plain(ctx, released: Path, attacks, work: Path) -> dict:
    """Each attack through plain nbgrader, in its own copy of the released course."""
    results = {}
    for attack in attacks:
        course = work / f"plain-{attack.name}"
        shutil.copytree(released, course, ignore=shutil.ignore_patterns("submitted"))
        corpus.write_submission(course, attack.name, attack.build(ctx))
        started = time.monotonic()
        # A shell between us and nbgrader: the attack that kills the kernel's grandparent kills
        # it, not this benchmark.
        command = (f"{os.path.join(BIN, 'nbgrader')} autograde {corpus.ASSIGNMENT} "
                   f"--student {attack.name}; status=$?; exit $status")
        process = subprocess.Popen(["sh", "-c", command], cwd=course, env=ENV,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        try:
            log, _ = process.communicate(timeout=PER_STUDENT_TIMEOUT)
            code = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            log, _ = process.communicate()
            code = "timeout"
        try:
            os.killpg(process.pid, signal.SIGKILL)  # anything left in nbgrader's session
        except ProcessLookupError:
            pass
        seconds = time.monotonic() - started
        outputs = _outputs(course / "autograded" / attack.name / corpus.ASSIGNMENT /
                           corpus.NOTEBOOK)
        planted, survivors = _clean(ctx, [course, ctx.site_packages, work])
        if _pwned_tables(course):
            planted.append(str(course / "gradebook.db"))
        text = "\n".join(t for _, t in outputs)
        results[attack.name] = {
            "points": _points(course, attack.name), "exit": code, "seconds": seconds,
            "leaks": _leaks(ctx, outputs, attack.name), "wrote": _where(planted, ctx, course),
            "outlived": bool(survivors), "resources": _resources(text),
            "log": log[-400:] if log else ""}
        print(f"  plain nbgrader: {attack.name:28} {seconds:5.1f} s", flush=True)
        shutil.rmtree(course, ignore_errors=True)
    return results


def run_ours(ctx, course: Path, attacks, work: Path) -> dict:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", corpus.ASSIGNMENT,
                           "--workers", "2", "--timeout", str(corpus.NOTEBOOK_TIMEOUT),
                           "--no-progress"], cwd=course, env=ENV, capture_output=True,
                          text=True)
    seconds = time.monotonic() - started
    problems: dict = {}
    problems_file = course / "autograded" / "problems.json"
    for item in json.loads(problems_file.read_text()) if problems_file.exists() else []:
        problems.setdefault(item["student"], set()).add(item["kind"])
    planted, survivors = _clean(ctx, [course, ctx.site_packages, work])
    results = {}
    for attack in attacks:
        outputs = _outputs(course / "autograded" / attack.name / corpus.ASSIGNMENT /
                           corpus.NOTEBOOK)
        results[attack.name] = {
            "points": _points(course, attack.name), "exit": done.returncode,
            "leaks": _leaks(ctx, outputs, attack.name), "wrote": _where(planted, ctx, course),
            "outlived": bool(survivors), "resources": _resources(
                "\n".join(t for _, t in outputs)),
            "kinds": sorted(problems.get(attack.name, ()))}
    return {"students": results, "seconds": seconds, "exit": done.returncode,
            "stderr": done.stderr[-2000:]}


def _describe(result: dict, ours: bool) -> str:
    points = result["points"]
    parts = ["not graded" if points is None else f"{points:g}/10"]
    code = result["exit"]
    if not ours and code != 0:
        if code == "timeout":
            parts.append("nbgrader timed out")
        elif code < 0 or code == 128 + signal.SIGKILL:
            parts.append("nbgrader was killed")
        else:
            parts.append(f"nbgrader failed (exit {code})")
    if result["leaks"]:
        parts.append("leaked " + ", ".join(result["leaks"]))
    if result["wrote"]:
        parts.append("wrote to " + ", ".join(result["wrote"]))
    if result["outlived"]:
        parts.append("a process outlived grading")
    if result["resources"]:
        parts.append(result["resources"])
    if ours and result.get("kinds"):
        parts.append("reported: " + ", ".join(result["kinds"]))
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help="only these attacks (names as in tests/security/attack_corpus.py)")
    args = parser.parse_args(argv)
    attacks = [a for a in corpus.ATTACKS if not args.only or a.name in args.only]
    if not attacks:
        raise SystemExit(f"no attack named {args.only}")
    with tempfile.TemporaryDirectory(prefix="bench-attacks-") as tmp:
        work = Path(tmp)
        course = work / "course"
        print(f"building the corpus ({len(attacks)} submissions) ...", flush=True)
        ctx = corpus.make_course(course, work / "secret", attacks=attacks, env=ENV)
        released = work / "released"
        shutil.copytree(course, released, ignore=shutil.ignore_patterns("submitted"))
        print("grading with autograder grade (one batch) ...", flush=True)
        ours = run_ours(ctx, course, attacks, work)
        print("grading with plain nbgrader autograde (one run per student) ...", flush=True)
        plain = run_plain(ctx, released, attacks, work)

    width = max(len(a.name) for a in attacks)
    header = f"{'attack':<{width}}  {'category':<20}  plain nbgrader autograde  |  autograder grade"
    print(f"\n{len(attacks)} submissions of the activations exercise (10 points); "
          f"autograder grade took {ours['seconds']:.0f} s for all of them")
    print(header)
    print("-" * len(header))
    for attack in attacks:
        print(f"{attack.name:<{width}}  {attack.category:<20}  "
              f"{_describe(plain[attack.name], False)}  |  "
              f"{_describe(ours['students'][attack.name], True)}")

    attackers = [a for a in attacks if not a.honest]
    honest = [a for a in attacks if a.honest]

    def count(results, test):
        return sum(1 for a in attackers if test(results[a.name]))

    print(f"\nOf {len(attackers)} attacks:")
    for label, test in [
        ("earned points", lambda r: (r["points"] or 0) > 0),
        ("leaked a secret into their graded notebook", lambda r: bool(r["leaks"])),
        ("wrote outside their folder", lambda r: bool(r["wrote"])),
        ("left a process running", lambda r: r["outlived"]),
        ("stopped or failed the grader", lambda r: r["exit"] not in (0,)),
    ]:
        print(f"  {label:<45} plain nbgrader: {count(plain, test):>3}   "
              f"autograder grade: {count(ours['students'], test):>3}")
    for attack in honest:
        print(f"  honest {attack.name:<38} plain nbgrader: "
              f"{plain[attack.name]['points']}/10   autograder grade: "
              f"{ours['students'][attack.name]['points']}/10")
    return {"plain": plain, "ours": ours}


if __name__ == "__main__":
    main()
