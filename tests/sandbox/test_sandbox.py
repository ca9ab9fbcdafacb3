"""The bubblewrap sandbox really isolates: each test runs a small program inside and checks that
what should be impossible is (every one of these would pass code that ran unsandboxed)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import time
from pathlib import Path

import pytest

from autograder import sandbox

AUTOGRADER_SOURCE = Path(sandbox.__file__).parent
FAST = sandbox.Limits(wall_seconds=20, cpu_seconds=10)


def run_python(code: str, limits=FAST, **kwargs) -> sandbox.SandboxResult:
    return sandbox.run([sys.executable, "-c", textwrap.dedent(code)], limits=limits, **kwargs)


def run_json(code: str, **kwargs):
    result = run_python(code, **kwargs)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def test_runs_as_an_unprivileged_user_without_capabilities():
    info = run_json("""
        import json, os
        caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')]
        print(json.dumps({'uid': os.getuid(), 'euid': os.geteuid(), 'caps': caps[0]}))
    """)
    assert info["uid"] != 0 and info["euid"] != 0
    assert int(info["caps"], 16) == 0


def test_has_no_network():
    info = run_json("""
        import json, socket
        try:
            socket.create_connection(('1.1.1.1', 80), timeout=2)
            outcome = 'connected'
        except OSError as error:
            outcome = str(error)
        print(json.dumps({'outcome': outcome}))
    """)
    assert info["outcome"] != "connected"


def test_sees_no_home_no_repository_and_no_other_files(tmp_path):
    secret = tmp_path / "hidden_tests.py"
    secret.write_text("EXPECTED = 42\n")
    info = run_json(f"""
        import json, os
        print(json.dumps({{
            'root_home': os.path.exists('/root/.bashrc') or os.path.exists('/root/.cache'),
            'secret': os.path.exists({str(secret)!r}),
            'exercises': os.path.exists({str(AUTOGRADER_SOURCE.parent / 'exercises')!r}),
            'nnlib_source': os.path.exists({str(AUTOGRADER_SOURCE.parent / 'nnlib')!r}),
            'etc_passwd': os.path.exists('/etc/passwd'),

        }}))
    """)
    assert not (info["root_home"] or info["secret"] or info["exercises"] or info["nnlib_source"])
    assert not info["etc_passwd"]


def test_writes_stay_inside_and_read_only_mounts_refuse_them(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "submission.ipynb").write_text("{}")
    info = run_json(f"""
        import json, os, sys
        attempts = {{}}
        for target in ['/input/submission.ipynb', sys.prefix + '/evil.pth', '/usr/evil',
                       'scratch.txt']:
            try:
                open(target, 'a').write('x')
                attempts[target] = 'written'
            except OSError as error:
                attempts[target] = type(error).__name__
        print(json.dumps(attempts))
    """, inputs=inputs)
    assert info["scratch.txt"] == "written"
    assert all(v != "written" for k, v in info.items() if k != "scratch.txt")
    assert (inputs / "submission.ipynb").read_text() == "{}"
    assert not (Path(sys.prefix) / "evil.pth").exists()


@pytest.mark.parametrize("package", ["nnlib", "torch", "sklearn"])
def test_reference_libraries_cannot_be_imported_even_after_editing_sys_path(package):
    info = run_json(f"""
        import json, sys
        sys.path[:] = [p for p in sys.path if p != '/blocked']
        try:
            __import__({package!r})
            outcome = 'imported'
        except ImportError as error:
            outcome = str(error)
        print(json.dumps({{'outcome': outcome}}))
    """)
    assert info["outcome"] != "imported"


def test_a_virtual_environment_reached_through_a_symbolic_link_works_inside(tmp_path):
    # as with a symlinked home or project folder: the grader's python is started by a path
    # that holds a symbolic link, so sys.executable and sys.prefix are not resolved paths
    home = tmp_path / "home"
    home.mkdir()
    (home / "private.txt").write_text("not for students")
    link = home / "venv"
    link.symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    inside = textwrap.dedent(f"""
        import json, sys
        sys.path[:] = [p for p in sys.path if p != '/blocked']
        sys.path[:0] = [{str(Path(sysconfig.get_paths()['purelib']).resolve())!r},
                        {str(link / Path(sysconfig.get_paths()['purelib']).relative_to(sys.prefix))!r}]
        import numpy
        try:
            import torch
            torch_outcome = 'imported'
        except ImportError:
            torch_outcome = 'blocked'
        print(json.dumps({{'prefix': sys.prefix, 'numpy': float(numpy.ones(3).sum()),
                          'torch': torch_outcome,
                          'private': __import__('os').path.exists({str(home / 'private.txt')!r})}}))
    """)
    grader = textwrap.dedent(f"""
        import json, sys
        from autograder import sandbox
        result = sandbox.run([sys.executable, '-c', {inside!r}],
                             limits=sandbox.Limits(wall_seconds=20, cpu_seconds=10))
        print(json.dumps({{'executable': sys.executable, 'returncode': result.returncode,
                          'stdout': result.stdout.decode(), 'stderr': result.stderr.decode()}}))
    """)
    done = subprocess.run([str(link / "bin" / "python"), "-c", grader], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["executable"].startswith(str(link))  # the grader really ran as reached
    assert outcome["returncode"] == 0, outcome["stderr"]
    info = json.loads(outcome["stdout"])
    assert info == {"prefix": str(link), "numpy": 3.0, "torch": "blocked", "private": False}


def test_numpy_still_works():
    info = run_json("""
        import json, numpy as np
        print(json.dumps({'sum': float(np.ones((100, 100)).sum())}))
    """)
    assert info["sum"] == 10_000.0


def test_wall_time_limit_kills_a_sleeper():
    result = run_python("import time; time.sleep(60)", limits=sandbox.Limits(wall_seconds=2))
    assert result.timed_out and result.wall_seconds < 30
    assert "wall time" in result.limit_hit


def test_cpu_time_limit_stops_a_busy_loop():
    result = run_python("while True: pass", limits=sandbox.Limits(cpu_seconds=1, wall_seconds=60))
    assert result.returncode != 0 and not result.timed_out


def test_memory_limit_refuses_a_huge_allocation():
    result = run_python("x = bytearray(8 * 2**30)", limits=sandbox.Limits(memory_bytes=2**30))
    assert result.returncode != 0
    assert b"MemoryError" in result.stderr


def test_process_limit_stops_a_fork_bomb():
    info = run_json("""
        import json, os, time
        made = 0
        try:
            for _ in range(500):
                if os.fork() == 0:
                    time.sleep(3)
                    os._exit(0)
                made += 1
        except OSError:
            pass
        print(json.dumps({'made': made}))
    """, limits=sandbox.Limits(processes=32, wall_seconds=30))
    assert info["made"] < 32


def test_no_process_outlives_the_sandbox(tmp_path):
    marker = f"sandbox-orphan-{os.getpid()}"
    run_python(f"""
        import os, subprocess, sys
        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)  # {marker}'],
                         start_new_session=True)
    """)
    survivors = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                 and marker.encode() in _cmdline(p)]
    assert survivors == []


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def test_file_size_and_scratch_space_are_limited():
    result = run_python("""
        with open('big.bin', 'wb') as f:
            for _ in range(1024):
                f.write(b'x' * 2**20)
    """, limits=sandbox.Limits(file_bytes=8 * 2**20, workdir_bytes=64 * 2**20))
    assert result.returncode != 0


def test_output_read_back_is_capped():
    result = run_python("import sys; sys.stdout.write('x' * 5_000_000)",
                        limits=sandbox.Limits(output_bytes=100_000))
    assert len(result.stdout) == 100_000 and result.output_truncated


def test_total_memory_is_capped_across_processes_by_a_cgroup():
    if not sandbox._Cgroup.supported():
        pytest.skip("no writable memory cgroup on this machine")
    # Two processes of 300 MiB each: each is far under its address-space limit, together they
    # are over a total of 400 MiB, so one of them is killed.
    result = run_python("""
        import json, os, time
        pid = os.fork()
        block = bytearray(300 * 2**20)
        time.sleep(1)
        if pid == 0:
            os._exit(0)
        print(json.dumps({'child': os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}))
    """, limits=sandbox.Limits(wall_seconds=30, memory_total_bytes=400 * 2**20))
    assert result.stdout in (b"", b'{"child": -9}\n'), result.stdout
    assert result.limit_hit and "memory" in result.limit_hit


@pytest.mark.skipif(not __import__("autograder.seccomp").seccomp.available(),
                    reason="the seccomp filter is for x86-64")
def test_new_namespaces_ptrace_and_mounts_are_refused_but_processes_and_threads_work():
    info = run_json("""
        import ctypes, json, os, subprocess, threading
        libc = ctypes.CDLL(None, use_errno=True)
        def errno_of(call):
            return ctypes.get_errno() if call() == -1 else 0
        outcome = {
            'unshare_user': errno_of(lambda: libc.unshare(0x10000000)),
            'unshare_mount': errno_of(lambda: libc.unshare(0x00020000)),
            'ptrace': errno_of(lambda: libc.ptrace(16, 1, 0, 0)),
            'mount': errno_of(lambda: libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)),
            'subprocess': subprocess.run(['echo', 'ok'], capture_output=True, text=True).stdout,
        }
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        outcome['fork'] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()
        print(json.dumps(outcome))
    """)
    assert info["unshare_user"] == info["unshare_mount"] == info["ptrace"] == info["mount"] == 1
    assert info["subprocess"] == "ok\n" and info["fork"] == 7


def test_each_sandbox_gets_its_own_user():
    first = run_json("import json, os; print(json.dumps(os.getuid()))")
    second = run_json("import json, os; print(json.dumps(os.getuid()))")
    assert first != second and min(first, second) >= sandbox.UID_BASE


def test_the_sandbox_dies_with_the_process_that_started_it(tmp_path):
    """kill -9 of a grader must not leave its sandbox running."""
    marker = f"sandbox-grader-{os.getpid()}"
    # The grader's own command line must not hold the marker: it is put together inside.
    grader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from autograder import sandbox
        marker = "sandbox-" + "grader-{os.getpid()}"
        sandbox.run([sys.executable, "-c", "import time; time.sleep(60)  # " + marker],
                    limits=sandbox.Limits(wall_seconds=60))
    """)])
    # Wait for the program inside (not just bubblewrap's start: a grader killed within the
    # moment bubblewrap takes to arm its own --die-with-parent leaves an orphan, which the next
    # grader's cgroup sweep kills; see test_a_dead_graders_leftover_sandbox_is_swept).
    deadline = time.monotonic() + 30
    while not any(_cmdline(Path(f"/proc/{pid}")).startswith(sys.executable.encode())
                  for pid in _with_marker(marker)):
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.1)
    grader.kill()
    grader.wait()
    deadline = time.monotonic() + 10
    while _with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _with_marker(marker) == []


def test_a_dead_graders_leftover_sandbox_is_swept():
    """What a grader that died leaves in its sandbox's cgroup is killed by the next grader."""
    if not sandbox._Cgroup.supported():
        pytest.skip("no writable memory cgroup on this machine")
    finished = subprocess.Popen(["true"])
    finished.wait()  # its pid is that of a grader that is gone
    cgroup = sandbox._Cgroup.create(f"autograder-sandbox-{sandbox.UID_BASE}-{finished.pid}-0",
                                    sandbox.Limits())
    directories = list(cgroup.directories.values())

    def join():
        for path in cgroup.procs_files():
            with open(path, "w") as procs:
                procs.write(str(os.getpid()))

    orphan = subprocess.Popen(["sleep", "60"], preexec_fn=join)
    try:
        sandbox._Cgroup.sweep()
        assert orphan.wait(timeout=10) == -9
    finally:
        orphan.kill()
    assert not any(d.exists() for d in directories)


def _with_marker(marker: str) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and marker.encode() in _cmdline(p)]
