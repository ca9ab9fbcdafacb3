"""A grading failure that is not the student's doing never becomes a silent zero: the command
stops before grading anyone, or the submission stays ungraded until a rerun grades it."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import democourse
import psutil
import pytest
from agtools import BIN, copy_course, graded_rows, run_cli, scores

from autograder import cli, sandbox
from autograder.course import Course
from autograder.practice import PracticeAssignment
from autograder.spec import Job, not_graded_reason
from autograder.trusted import scoring
from autograder.worker import grade_submission

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _one_correct(class_course, roster, dest: Path) -> tuple[Path, str]:
    student = next(s for s, v in sorted(roster.items()) if v == "correct")
    return copy_course(class_course, dest, [student]), student


def test_a_sandbox_that_cannot_run_a_trivial_notebook_stops_grade_before_anyone_is_graded(
        class_course, roster, tmp_path, monkeypatch, capsys):
    root, _ = _one_correct(class_course, roster, tmp_path / "course")
    # as when the interpreter is not visible inside the sandbox (issue 16)
    monkeypatch.setattr(sandbox, "_python_mounts", lambda: [])
    code = cli.main(["grade", "ps1", "--course", str(root), "--no-progress", "--workers", "1"])
    captured = capsys.readouterr()
    assert code != 0
    error = captured.err.strip().splitlines()
    assert len(error) == 1 and "cannot run a trivial notebook" in error[0], captured.err
    assert "kernel" in error[0] and "trusted run" in error[0]
    assert graded_rows(root) == {}
    assert not any(score is not None for score in scores(root).values())


def test_a_grader_reached_through_a_symbolic_link_grades_honest_work_in_full(
        class_course, roster, tmp_path):
    root, student = _one_correct(class_course, roster, tmp_path / "course")
    link = tmp_path / "home" / "venv"
    link.parent.mkdir()
    link.symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    env = {**os.environ, "PATH": str(link / "bin") + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run([str(link / "bin" / "python"), "-m", "autograder", "grade", "ps1",
                           "--workers", "1", "--no-progress"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No problems found" in done.stdout, done.stdout
    assert set(graded_rows(root)) == {student}
    assert all(value and value > 0 for (who, part), value in scores(root).items()
               if who == student and part.startswith("test_")), scores(root)


def _worker_of(run) -> psutil.Process | None:
    for child in psutil.Process(run.pid).children():
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                return child
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    return None


def _running_kernel(worker: psutil.Process) -> bool:
    try:
        return any("autograder.sandbox_kernel" in " ".join(p.cmdline())
                   for p in worker.children(recursive=True))
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False


def test_a_worker_killed_mid_notebook_leaves_its_student_not_graded_and_a_rerun_grades_it(
        class_course, roster, tmp_path):
    root, honest = _one_correct(class_course, roster, tmp_path / "course")
    # a slow but correct notebook, graded first, so that the kill finds its kernel running
    release = json.loads((root / "release" / "ps1" / "ps1.ipynb").read_text())
    slow = democourse.answered(release, {p: "correct" for p in democourse.ANSWERS})
    for cell in slow["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "relu_grad":
            cell["source"] += "\nimport time\ntime.sleep(3)\n"
    (root / "submitted" / "s000a" / "ps1").mkdir(parents=True)
    (root / "submitted" / "s000a" / "ps1" / "ps1.ipynb").write_text(json.dumps(slow))
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", "ps1", "--workers", "1",
                            "--no-progress"], cwd=root, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    worker = None
    while worker is None or not _running_kernel(worker):
        assert run.poll() is None, "the run finished before its worker could be killed"
        assert time.monotonic() < deadline, "no kernel started in time"
        worker = worker or _worker_of(run)
        time.sleep(0.05)
    time.sleep(1.0)  # inside the notebook
    worker.send_signal(signal.SIGKILL)  # as the OOM killer does
    out, err = run.communicate(timeout=300)

    assert run.returncode == 1, out + err  # not everyone is graded: not a success
    assert "worker-died" in out and "NOT GRADED" in out and "s000a" in out, out
    assert set(graded_rows(root)) == {honest}
    assert not [key for key in scores(root) if key[0] == "s000a"]  # no score at all, not 0
    listed = json.loads((root / "autograded" / "problems.json").read_text())
    assert any(p["student"] == "s000a" and p["kind"] == "worker-died" and p.get("not_graded")
               for p in listed)
    assert not (root / "autograded" / "s000a").exists()
    leftovers = [*Path(tempfile.gettempdir()).glob(f"autograder-job-{worker.pid}-*"),
                 *Path("/tmp").glob(f"agk-{worker.pid}-*")]
    assert leftovers == []

    rerun = run_cli("grade", "ps1", "--no-progress", cwd=root)
    assert "Grading 1 submission(s)" in rerun.stdout and "1 already graded" in rerun.stdout
    assert "NOT GRADED" not in rerun.stdout, rerun.stdout
    assert set(graded_rows(root)) == {honest, "s000a"}
    assert all(value and value > 0 for (who, part), value in scores(root).items()
               if who == "s000a" and part.startswith("test_")), scores(root)
    listed = json.loads((root / "autograded" / "problems.json").read_text())
    assert not any(p.get("not_graded") for p in listed)


# --- the isolated (trusted) run: the grader's failure or the student's ---------------------------

EXERCISE = "fundamentals"


@pytest.fixture(scope="module")
def exercise_course(tmp_path_factory) -> Path:
    """One of the course's exercises (its test cells are ``check`` calls, so each notebook also
    gets a trusted run), released in a course of its own."""
    root = tmp_path_factory.mktemp("exercise") / "course"
    shutil.copytree(REPO / "exercises" / "source" / EXERCISE, root / "source" / EXERCISE)
    shutil.copy(REPO / "exercises" / "nbgrader_config.py", root)
    run_cli("release", EXERCISE, cwd=root)
    return root


def _grade_in_process(course_root: Path, notebooks: dict[str, bytes]) -> dict:
    """``grade_submission`` of one submission (sandboxed, as ``grade`` runs it)."""
    course = Course(course_root)
    spec = course.assignment_spec(EXERCISE)
    job = Job(spec, "s001", dict(notebooks), timeout=60.0, fork_kernels=False)
    return grade_submission(job)


def _checked_scores(result: dict) -> dict[str, float]:
    (notebook,) = result["notebooks"].values()
    return {name: value for name, value in notebook["grades"].items()
            if not name.endswith("_answer") and value is not None}


def test_a_trusted_run_that_cannot_start_leaves_the_submission_not_graded(exercise_course,
                                                                          monkeypatch):
    practice = PracticeAssignment(exercise_course, EXERCISE)
    real_run = scoring.run_trusted

    def interpreter_not_visible(request, inputs, limits):
        # as when the sandbox cannot see the grader's python (issue 16): setpriv cannot exec it
        result = sandbox.run(["/nonexistent/bin/python", "-m", "autograder.trusted.runner"],
                             inputs=inputs, allowed_sources=scoring.trusted_sources(),
                             limits=limits, stdin=json.dumps(request).encode())
        assert b"setpriv" in result.stderr, result.stderr
        return result

    monkeypatch.setattr(scoring, "run_trusted", interpreter_not_visible)
    result = _grade_in_process(exercise_course, practice.correct().notebooks)
    kinds = {p["kind"] for p in result["problems"]}
    assert "trusted-run-not-started" in kinds and "trusted-run-failed" not in kinds, kinds
    assert not_graded_reason(result) is not None  # recorded as not graded, never as 0

    monkeypatch.setattr(scoring, "run_trusted", real_run)  # the same honest work, graded
    result = _grade_in_process(exercise_course, practice.correct().notebooks)
    assert not_graded_reason(result) is None, result["problems"]
    assert all(value > 0 for value in _checked_scores(result).values()), _checked_scores(result)


def test_a_submission_that_ends_the_trusted_run_with_its_own_code_is_graded_and_earns_nothing(
        exercise_course):
    practice = PracticeAssignment(exercise_course, EXERCISE)
    (name, data), = practice.correct().notebooks.items()
    nb = json.loads(data)
    answer = next(cell for cell in nb["cells"]
                  if cell["metadata"].get("nbgrader", {}).get("solution")
                  and cell["cell_type"] == "code")
    answer["source"] = "".join(answer["source"]) + "\nimport os\nos._exit(3)\n"
    result = _grade_in_process(exercise_course, {name: json.dumps(nb).encode()})
    kinds = {p["kind"] for p in result["problems"]}
    assert "trusted-run-failed" in kinds, kinds
    assert not_graded_reason(result) is None, result["problems"]  # the student's doing: graded
    assert not any(_checked_scores(result).values()), _checked_scores(result)


# --- pip install --user ---------------------------------------------------------------------------

USER_SITE_PROBE = """
import json, sys
from autograder import sandbox
secret = sys.argv[1]
program = ("import os, user_probe; print(user_probe.VALUE); "
           f"print(os.path.exists({secret!r})); open(user_probe.__file__, 'a')")
result = sandbox.run([sys.executable, "-c", program], blocked=())
print(json.dumps({"out": result.stdout.decode(), "err": result.stderr.decode()}))
"""


def test_packages_installed_with_pip_user_are_visible_read_only_and_nothing_else_of_home(
        tmp_path):
    # a grader run by the interpreter itself (no venv), whose packages include the user's
    # site-packages folder (PYTHONUSERBASE stands for ~/.local)
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if not python.exists():
        pytest.skip(f"no base interpreter at {python}")
    user_base = tmp_path / "home" / ".local"
    site = user_base / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / \
        "site-packages"
    site.mkdir(parents=True)
    (site / "user_probe.py").write_text("VALUE = 'installed with pip --user'\n")
    secret = tmp_path / "home" / "notes.txt"
    secret.write_text("the rest of home\n")
    env = {**os.environ, "PYTHONUSERBASE": str(user_base), "PYTHONPATH": str(REPO)}
    env.pop("PYTHONNOUSERSITE", None)
    done = subprocess.run([str(python), "-c", USER_SITE_PROBE, str(secret)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["out"].splitlines() == ["installed with pip --user", "False"], seen
    assert "PermissionError" in seen["err"] or "Read-only file system" in seen["err"], seen
