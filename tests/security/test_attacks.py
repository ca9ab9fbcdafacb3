"""Every attack of the corpus, graded once by ``autograder grade`` (the ``graded_corpus`` fixture):
it earns nothing, reads and writes nothing outside its sandbox, and the batch completes; the
honest submissions earn every point. See attack_corpus.py for the attacks, and bench/attacks.py
for what plain ``nbgrader autograde`` does with the same submissions."""
from __future__ import annotations

import re

import pytest
from attack_corpus import ATTACKS, CATEGORIES, VICTIM

pytestmark = pytest.mark.slow

ATTACKERS = [a for a in ATTACKS if not a.honest]
HONEST = [a for a in ATTACKS if a.honest]
BY_NAME = {a.name: a for a in ATTACKS}

#: What each attack must be reported as (at least these kinds of problem).
EXPECTED_PROBLEMS = {
    "patch-numpy-comparisons": {"unearned-points"},
    "no-op-check": {"unearned-points"},
    "patch-compare": {"unearned-points"},
    "stack-frame-answers": {"delegation"},
    "strip-tests": {"unearned-points"},
    "forge-result-channel": {"trusted-run-failed"},
    "nnlib-import": {"delegation"},
    "nnlib-inside-functions": {"delegation"},
    "nnlib-path-tricks": {"delegation"},
    "torch": {"delegation"},
    "nnlib-through-checks": {"delegation"},
    "edit-tests": {"changed-cell"},
    "delete-tests": {"missing-cell"},
    "raise-points": {"changed-points"},
    "forge-checksums": {"changed-cell", "changed-checksum"},
    "answer-marked-as-test": {"changed-metadata"},
    "fake-test-cell": {"unknown-cell"},
    "shadow-test-cell": {"duplicate-cell"},
    "symlinks": {"skipped-file"},
    "duplicate-grade-ids": {"duplicate-cell"},
    "corrupt-metadata": {"invalid-metadata"},
    "memory-bomb": {"kernel-died"},
    "infinite-loop": {"cell-timeout"},
    "ignore-interrupts": {"kernel-died"},
    "huge-output": {"output-limit"},
    "invalid-json": {"invalid-notebook"},
    "cells-not-a-list": {"invalid-notebook"},
    "deeply-nested-json": {"invalid-notebook"},
    "binary-garbage": {"invalid-notebook"},
}


def test_the_corpus_has_every_category_and_at_least_25_attacks():
    assert len(ATTACKERS) >= 25
    assert {a.category for a in ATTACKS} == set(CATEGORIES)
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


def test_the_batch_completed(graded_corpus):
    assert graded_corpus.returncode == 0, graded_corpus.stderr[-3000:]
    assert graded_corpus.graded == {a.name for a in ATTACKS}


@pytest.mark.parametrize("attack", ATTACKERS, ids=lambda a: a.name)
def test_an_attack_earns_nothing(graded_corpus, attack):
    scores = graded_corpus.scores[attack.name]
    assert {score or 0.0 for score, _, _ in scores.values()} == {0.0}, scores
    assert sum(max_score for _, max_score, _ in scores.values()) == 10.0  # points not inflated


@pytest.mark.parametrize("attack", HONEST, ids=lambda a: a.name)
def test_an_honest_submission_earns_every_point(graded_corpus, attack):
    scores = graded_corpus.scores[attack.name]
    assert all(score == max_score for score, max_score, _ in scores.values()), scores
    assert graded_corpus.total(attack.name) == 10.0
    assert not graded_corpus.kinds(attack.name) & {"delegation", "unearned-points",
                                                   "trusted-run-failed"}


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name)
def test_nothing_secret_reaches_what_the_grader_produced(graded_corpus, attack):
    """Nothing an attack could have read appears in its graded notebook or its problems."""
    ctx = graded_corpus.ctx
    everything, own = graded_corpus.text(attack.name), graded_corpus.own_text(attack.name)
    for name, marker in ctx.markers().items():
        if name == "victim's notebook" and attack.name == VICTIM:
            continue
        haystack = everything if name in ("planted secret", "victim's notebook",
                                          "instructor's solution") else own
        assert marker not in haystack, f"{attack.name} leaked the {name}"


def test_nothing_was_written_outside_the_sandboxes(graded_corpus):
    assert graded_corpus.planted == []
    assert graded_corpus.source_after == graded_corpus.source_before
    assert graded_corpus.victim_after == graded_corpus.victim_before
    assert not [t for t in graded_corpus.tables if t.startswith("pwned")]


def test_no_process_outlives_the_batch(graded_corpus):
    assert graded_corpus.orphans == []


@pytest.mark.parametrize("name, kinds", sorted(EXPECTED_PROBLEMS.items()))
def test_the_attack_is_reported_for_the_instructor(graded_corpus, name, kinds):
    assert kinds <= graded_corpus.kinds(name), graded_corpus.problems.get(name)


@pytest.mark.parametrize("name", sorted(n for n, k in EXPECTED_PROBLEMS.items()
                                        if k & {"delegation", "unearned-points"}))
def test_flagged_parts_wait_for_the_instructors_review(graded_corpus, name):
    flagged = {p["cell"] for p in graded_corpus.problems[name]
               if p["kind"] in ("delegation", "unearned-points")}
    scores = graded_corpus.scores[name]
    assert flagged and all(scores[cell][2] for cell in flagged)


def _probe(graded_corpus, attack: str, label: str) -> str:
    """What the attack's probe ``label`` reported (its line in the first answer cell)."""
    for line in graded_corpus.text(attack).splitlines():
        if line.startswith(f"{label}: "):
            return line[len(label) + 2:]
    raise AssertionError(f"{attack} did not report {label!r}:\n{graded_corpus.text(attack)[:3000]}")


@pytest.mark.parametrize("attack, label", [
    ("read-instructor-source", "instructor's notebook by path"),
    ("read-instructor-source", "instructor's notebook, relative"),
    ("read-gradebook", "gradebook by path"),
    ("read-classmate", "classmate's submission"),
    ("read-planted-secret", "planted secret"),
    ("read-other-processes", "secret via the parent's folder"),
    ("read-other-processes", "secret via /proc/1/root"),
    ("write-site-packages", "write into site-packages"),
    ("write-site-packages", "write into numpy"),
    ("write-course", "edit the gradebook"),
    ("write-course", "plant in the instructor's folder"),
    ("write-course", "write the inputs"),
    ("network", "the internet"),
    ("privileges", "become root"),
    ("privileges", "read /etc/shadow"),
    ("privileges", "new namespaces"),
    ("proc-and-devices", "host root via /proc/1/root"),
    ("proc-and-devices", "leave the cgroup"),
    ("proc-and-devices", "raw memory"),
])
def test_the_probe_was_refused(graded_corpus, attack, label):
    assert _probe(graded_corpus, attack, label).startswith("refused"), label


def test_the_sandbox_runs_as_an_unprivileged_user_without_capabilities(graded_corpus):
    uid = _probe(graded_corpus, "privileges", "user id")
    assert not uid.startswith("(0,") and re.match(r"\(\d+, \d+\)", uid)
    assert "CapEff:\\t0000000000000000" in _probe(graded_corpus, "privileges", "capabilities")
    assert "NoNewPrivs:\\t1" in _probe(graded_corpus, "privileges", "no_new_privs")


def test_the_scans_find_nothing(graded_corpus):
    assert _probe(graded_corpus, "scan-filesystem", "filesystem scan") == "[]"
    assert _probe(graded_corpus, "read-classmate", "classmates by glob") == "[]"
    assert _probe(graded_corpus, "read-graded-notebook", "the notebook being graded") == "[]"
    assert _probe(graded_corpus, "proc-and-devices", "disks") == "[]"
    processes = _probe(graded_corpus, "read-other-processes", "processes")
    assert processes.endswith("graders: []")


def test_resources_are_limited(graded_corpus):
    assert "RESULT: held 3072 MiB" not in graded_corpus.text("memory-bomb")
    assert "RESULT: under 150 processes" in graded_corpus.text("fork-bomb")
    written = int(re.search(r"RESULT: wrote (\d+) MB", graded_corpus.text("disk-fill")).group(1))
    assert written <= 256
    assert graded_corpus.notebook_bytes["huge-output"] < 20 * 2**20
