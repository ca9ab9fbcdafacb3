"""The Dask executor grades the same submissions to the same scores as the local pool."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from agtools import BIN, copy_course, graded_rows, run_cli, scores

pytestmark = pytest.mark.slow

CLUSTER = """
import sys, time
from distributed import LocalCluster
cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
print(cluster.scheduler_address, flush=True)
sys.stdin.read()  # run until the test closes our stdin
cluster.close()
"""


def test_dask_local_cluster_gives_the_same_scores(class_course, autograded, roster, tmp_path):
    kinds = {}
    for student, variant in sorted(roster.items()):
        kinds.setdefault(variant, student)
    students = sorted(kinds.values())[:10]  # one of each kind, malformed ones included
    root = copy_course(class_course, tmp_path / "course", students)
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=env)
    try:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://"), address
        done = run_cli("grade", "ps1", "--executor", "dask", "--scheduler", address,
                       "--timeout", "20", "--no-progress", cwd=root)
    finally:
        cluster.stdin.close()
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:
            cluster.kill()
            cluster.wait()
        cluster.stdout.close()
    assert "Dask scheduler" in done.stdout
    assert set(graded_rows(root)) == set(students)
    reference = scores(autograded[0])
    ours = scores(root)
    assert ours and all(ours[key] == reference[key] for key in ours)
