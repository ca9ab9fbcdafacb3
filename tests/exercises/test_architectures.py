"""The architectures assignment's graded parts: kinds of cases, inputs owned by the caller, and
hints that appear only for their mistake, on the bank and on answers written as a learner would.

The generic tests (test_checks.py, test_engine_parity.py, test_engine_symptoms.py) already run
every part and every known mistake; these add what is particular to this assignment's checks
(``exercises/architectures/checks.py``): kinds declared by :func:`each_kind`, and a set of
learner-style answers, right and wrong, that the bank was not built from.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from exercise_tools import cell_id, hidden_seeds, nbgrader_meta, read, source_path

from autograder import mistakes as mistake_bank
from autograder.checks import ASPECTS, ASSIGNMENTS, PARTS, CheckFailed, check
from autograder.checks._core import visible_seed
from exercises.architectures.checks import kind_of

A = "architectures"
KEYS = [key for key, aspect in ASPECTS.items() if PARTS[aspect.part].assignment == A]
MISTAKES = list(mistake_bank.for_assignment(A))
#: Function parts (the blocks are classes, checked for in-place writes by their own aspect).
FUNCTION_PARTS = ["attention", "layer_norm_forward", "layer_norm_backward",
                  "multi_head_attention", "conv2d_forward", "conv2d_backward"]
SEEDS = hidden_seeds([A])


@pytest.fixture(scope="module")
def solutions() -> dict:
    """The source notebook's code cells that are not tests (setup and solutions), run."""
    namespace: dict = {}
    for cell in read(source_path(A)).cells:
        if cell.cell_type == "code" and not nbgrader_meta(cell).get("grade"):
            exec(compile(cell.source, f"<solution {cell_id(cell)}>", "exec"), namespace)
    return namespace


def _named(key: str, impl) -> tuple[bool, set[str], str]:
    """(failed, the known mistakes named, the messages) on the self-check and the grading."""
    failed, named, text = False, set(), []
    for seed, hidden in ((None, False), (SEEDS[key], True)):
        try:
            check(key, impl, seed=seed, hidden=hidden)
        except CheckFailed as failure:
            failed = True
            named |= set(failure.mistakes)
            text.append(str(failure))
    return failed, named, "\n".join(text)


# --- kinds of cases -------------------------------------------------------------------------------

def test_every_aspect_of_the_assignment_has_a_hidden_seed_in_the_notebook():
    assert set(SEEDS) == set(KEYS)
    assert ASSIGNMENTS[A][-5:] == ["layer_norm_forward", "layer_norm_backward",
                                   "multi_head_attention", "conv2d_forward", "conv2d_backward"]


@pytest.mark.parametrize("key", KEYS)
def test_the_grading_runs_only_kinds_of_case_the_self_check_shows(key):
    aspect = ASPECTS[key]
    visible = [kind_of(c) for c in aspect.cases(np.random.default_rng(visible_seed(key)), False)]
    assert len(visible) == len(set(visible)), "each kind once in the self-check"
    for seed in (SEEDS[key], 0, 1, 2):
        hidden = [kind_of(c) for c in aspect.cases(np.random.default_rng(seed), True)]
        assert sorted(hidden) == sorted(visible * 2)


def test_the_cases_cover_what_the_brief_asks_for():
    """float32, zeros, tiny and huge values, a batch of one, a sequence of length one, stride
    above 1, padding, causal and not: each in the self-check of the part it concerns."""
    def kinds(key):
        rng = np.random.default_rng(visible_seed(key))
        return " | ".join(kind_of(c) for c in ASPECTS[key].cases(rng, False))

    for key in ("layer_norm_forward.values", "layer_norm_backward.grad_x"):
        assert all(k in kinds(key) for k in ("float32", "zeros", "tiny", "huge", "batch of one",
                                             "sequences"))
    for key in ("multi_head_attention.weights", "multi_head_attention.causal"):
        assert all(k in kinds(key) for k in ("float32", "all-zero", "tiny", "huge",
                                             "batch of one", "sequence of length one"))
    causal_cases = ASPECTS["multi_head_attention.causal"].cases(np.random.default_rng(0), False)
    assert all("causal = True" in c.label for c in causal_cases)
    for key in ("conv2d_forward.stride_padding", "conv2d_backward.grad_x"):
        assert all(k in kinds(key) for k in ("stride 2", "stride 3", "padding 1", "padding 2",
                                             "float32", "batch of one"))
    assert all(k in kinds("conv2d_forward.values") for k in ("all-zero", "huge", "1x1"))


# --- inputs owned by the caller -------------------------------------------------------------------

@pytest.mark.parametrize("part", FUNCTION_PARTS)
def test_a_part_that_writes_into_its_first_argument_fails_naming_it(part, solutions):
    right = solutions[part]

    def scribbles(first, *args, **kwargs):
        result = right(first, *args, **kwargs)
        first[...] = 0  # after computing: the values returned are right
        return result

    name = PARTS[part].signature.split("(")[1].split(",")[0]
    for key in (k for k in KEYS if ASPECTS[k].part == part):
        with pytest.raises(CheckFailed, match=rf"modified its argument `{name}` in place"):
            check(key, scribbles)


def test_a_dense_block_that_adds_into_views_of_grad_out_fails_naming_it():
    mistake = mistake_bank.get("dense-block-backward-writes-into-grad-out")
    with pytest.raises(CheckFailed, match=r"DenseBlock.backward modified its argument `grad_out`"):
        check("DenseBlock.backward", mistake.load())


# --- hints only for their mistake -----------------------------------------------------------------

@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_mistake_is_named_alone_no_other_hint_speaks_for_it(mistake):
    """Every other mistake of the part was tried on the same cases and stayed silent (the
    solution passing every check, in test_checks.py, is the silence on correct answers)."""
    for key in (k for k in KEYS if ASPECTS[k].part == mistake.part):
        failed, named, text = _named(key, mistake.load())
        assert failed == (ASPECTS[key].name in mistake.fails), key
        assert named == ({mistake.id} if failed else set()), f"{key}:\n{text}"


# --- learner-style answers the bank was not built from -------------------------------------------

#: (label, part, source, the known mistake it should be named as: "right" for a correct answer,
#: None for a wrong one that must be caught whether or not a hint names it). Written in other
#: words than the bank's variants: other numpy calls, other loops, other ways to mask and split.
LEARNER_ANSWERS = [
    ("layer norm, variance as a sum over D - 1", "layer_norm_forward", """
        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            d = x.shape[-1]
            centered = x - np.mean(x, axis=-1, keepdims=True)
            var = np.sum(centered ** 2, axis=-1, keepdims=True) / (d - 1)
            return gamma * centered / np.sqrt(var + eps) + beta
        """, "layer-norm-unbiased-variance"),
    ("layer norm with np.std and eps added to it", "layer_norm_forward", """
        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mu = np.mean(x, axis=-1, keepdims=True)
            sigma = np.std(x, axis=-1, keepdims=True)
            return gamma * ((x - mu) / (sigma + eps)) + beta
        """, "layer-norm-eps-outside-root"),
    ("layer norm with batch norm's axis", "layer_norm_forward", """
        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mu, var = x.mean(0), x.var(0)
            return gamma * (x - mu) / np.sqrt(var + eps) + beta
        """, "layer-norm-over-batch-axis"),
    ("layer norm, right, through the reciprocal square root", "layer_norm_forward", """
        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mu = x.mean(axis=-1)[..., None]
            inv = (((x - mu) ** 2).mean(axis=-1)[..., None] + eps) ** -0.5
            return (x - mu) * inv * gamma + beta
        """, "right"),
    ("layer norm backward, the chain rule through x_hat only", "layer_norm_backward", """
        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            mu = x.mean(-1, keepdims=True)
            std = np.sqrt(x.var(-1, keepdims=True) + eps)
            x_hat = (x - mu) / std
            axes = tuple(range(x.ndim - 1))
            return grad_out * gamma / std, (grad_out * x_hat).sum(axes), grad_out.sum(axes)
        """, "layer-norm-backward-mean-and-variance-constant"),
    ("layer norm backward, right, in three named steps", "layer_norm_backward", """
        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            mu = x.mean(-1, keepdims=True)
            var = x.var(-1, keepdims=True)
            x_hat = (x - mu) / np.sqrt(var + eps)
            axes = tuple(range(x.ndim - 1))
            dx_hat = grad_out * gamma
            dvar = np.sum(dx_hat * (x - mu), -1, keepdims=True) * -0.5 * (var + eps) ** -1.5
            dmu = -np.sum(dx_hat, -1, keepdims=True) / np.sqrt(var + eps)
            d = x.shape[-1]
            dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / d + dmu / d
            return dx, (grad_out * x_hat).sum(axes), grad_out.sum(axes)
        """, "right"),
    ("layer norm backward, gamma's gradient summed over the first axis", "layer_norm_backward", """
        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            inv = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
            x_hat = (x - x.mean(-1, keepdims=True)) * inv
            g = grad_out * gamma
            dx = inv / d * (d * g - g.sum(-1, keepdims=True)
                            - x_hat * (g * x_hat).sum(-1, keepdims=True))
            return dx, np.sum(grad_out * x_hat, axis=0), np.sum(grad_out, axis=0)
        """, "layer-norm-backward-param-grads-over-batch-only"),
    ("attention with einsum, scaled by the model's width", "multi_head_attention", """
        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            N, T, D = x.shape
            dk = D // num_heads
            q = (x @ W_q).reshape(N, T, num_heads, dk)
            k = (x @ W_k).reshape(N, T, num_heads, dk)
            v = (x @ W_v).reshape(N, T, num_heads, dk)
            s = np.einsum("nthd,nshd->nhts", q, k) / D ** 0.5
            if causal:
                s = s + np.triu(np.full((T, T), -np.inf), 1)
            s = s - s.max(-1, keepdims=True)
            a = np.exp(s)
            a /= a.sum(-1, keepdims=True)
            o = np.einsum("nhts,nshd->nthd", a, v).reshape(N, T, D)
            return o @ W_o, a
        """, "mha-scale-by-model-width"),
    ("attention with heads by np.split, right, masked with a large negative number",
     "multi_head_attention", """
        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            T = x.shape[1]
            heads = lambda a: np.stack(np.split(a, num_heads, axis=-1), axis=1)
            q, k, v = heads(x @ W_q), heads(x @ W_k), heads(x @ W_v)
            s = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]).astype(x.dtype)
            if causal:
                s = np.where(np.arange(T)[None, :] > np.arange(T)[:, None], -1e30, s)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            a = e / e.sum(axis=-1, keepdims=True)
            o = np.concatenate([a[:, h] @ v[:, h] for h in range(num_heads)], axis=-1)
            return o @ W_o, a
        """, "right"),
    ("attention whose mask keeps only the strict past", "multi_head_attention", """
        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            N, T, D = x.shape
            dk = D // num_heads
            split = lambda a: a.reshape(N, T, num_heads, dk).swapaxes(1, 2)
            q, k, v = split(x @ W_q), split(x @ W_k), split(x @ W_v)
            s = q @ k.swapaxes(-1, -2) / dk ** 0.5
            if causal:
                allowed = np.tril(np.ones((T, T), dtype=bool), -1)
                s[..., ~allowed] = -np.inf
            s = s - s.max(-1, keepdims=True)
            a = np.exp(s) / np.exp(s).sum(-1, keepdims=True)
            return (a @ v).swapaxes(1, 2).reshape(N, T, D) @ W_o, a
        """, "mha-mask-hides-diagonal"),
    ("attention whose heads are cut straight out of (N, T, D)", "multi_head_attention", """
        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            N, T, D = x.shape
            q = np.reshape(x @ W_q, (N, num_heads, T, -1))
            k = np.reshape(x @ W_k, (N, num_heads, T, -1))
            v = np.reshape(x @ W_v, (N, num_heads, T, -1))
            s = q @ k.transpose(0, 1, 3, 2) / q.shape[-1] ** 0.5
            if causal:
                s = np.where(np.triu(np.ones((T, T)), 1) == 1, -np.inf, s)
            w = np.exp(s - s.max(-1, keepdims=True))
            w = w / w.sum(-1, keepdims=True)
            return np.reshape(w @ v, (N, T, D)) @ W_o, w
        """, "mha-heads-split-without-transpose"),
    ("attention normalized down the columns", "multi_head_attention", """
        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            N, T, D = x.shape
            dk = D // num_heads
            split = lambda a: a.reshape(N, T, num_heads, dk).transpose(0, 2, 1, 3)
            q, k, v = split(x @ W_q), split(x @ W_k), split(x @ W_v)
            s = q @ k.transpose(0, 1, 3, 2) / dk ** 0.5
            if causal:
                s = np.where(np.triu(np.ones((T, T), bool), 1), -np.inf, s)
            e = np.exp(s - np.max(s, axis=2, keepdims=True))
            a = e / np.sum(e, axis=2, keepdims=True)
            return (a @ v).transpose(0, 2, 1, 3).reshape(N, T, D) @ W_o, a
        """, "mha-softmax-over-queries"),
    ("convolution with np.flip", "conv2d_forward", """
        from numpy.lib.stride_tricks import sliding_window_view

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            kh, kw = weight.shape[2:]
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            win = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
            out = np.einsum("nchwij,ocij->nohw", win, np.flip(weight, axis=(2, 3)))
            return out + bias.reshape(1, -1, 1, 1)
        """, "conv-kernel-flipped"),
    ("convolution with sliding windows, right", "conv2d_forward", """
        from numpy.lib.stride_tricks import sliding_window_view

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            kh, kw = weight.shape[2:]
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            win = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
            return np.tensordot(win, weight, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2) \\
                + bias[None, :, None, None]
        """, "right"),
    ("convolution with every window at stride 1", "conv2d_forward", """
        from numpy.lib.stride_tricks import sliding_window_view

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            kh, kw = weight.shape[2:]
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            win = sliding_window_view(xp, (kh, kw), axis=(2, 3))
            out = np.einsum("nchwij,ocij->nohw", win, weight)
            return out + bias.reshape(1, -1, 1, 1)
        """, "conv-stride-ignored"),
    ("convolution backward, the bias gradient per position", "conv2d_backward", """
        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            wt = weight
            o, _, kh, kw = weight.shape
            ho, wo = grad_out.shape[2:]
            p, s = padding, stride
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            dxp = np.zeros(xp.shape, dtype=x.dtype)
            dw = np.empty_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * ho, s), slice(j, j + s * wo, s)
                    patch = xp[:, :, rows, cols]
                    dw[:, :, i, j] = np.tensordot(grad_out, patch, ([0, 2, 3], [0, 2, 3]))
                    dxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, wt[:, :, i, j])
            return dxp[:, :, p:p + h, p:p + w], dw, grad_out.sum(0)
        """, "conv-backward-bias-not-summed-over-positions"),
    ("convolution backward, overlapping windows assigned", "conv2d_backward", """
        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            wt = weight
            o, _, kh, kw = weight.shape
            ho, wo = grad_out.shape[2:]
            p, s = padding, stride
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            dxp = np.zeros(xp.shape, dtype=x.dtype)
            dw = np.empty_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * ho, s), slice(j, j + s * wo, s)
                    patch = xp[:, :, rows, cols]
                    dw[:, :, i, j] = np.tensordot(grad_out, patch, ([0, 2, 3], [0, 2, 3]))
                    dxp[:, :, rows, cols] = np.einsum("nohw,oc->nchw", grad_out, wt[:, :, i, j])
            return dxp[:, :, p:p + h, p:p + w], dw, grad_out.sum((0, 2, 3))
        """, "conv-backward-overlaps-overwritten"),
    ("convolution backward, the bias gradient averaged", "conv2d_backward", """
        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            wt = weight
            o, _, kh, kw = weight.shape
            ho, wo = grad_out.shape[2:]
            p, s = padding, stride
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            dxp = np.zeros(xp.shape, dtype=x.dtype)
            dw = np.empty_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * ho, s), slice(j, j + s * wo, s)
                    patch = xp[:, :, rows, cols]
                    dw[:, :, i, j] = np.tensordot(grad_out, patch, ([0, 2, 3], [0, 2, 3]))
                    dxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, wt[:, :, i, j])
            return dxp[:, :, p:p + h, p:p + w], dw, grad_out.mean((0, 2, 3))
        """, None),
]


def _load(part: str, source: str):
    namespace = {"np": np}
    exec(compile("import numpy as np\n" + textwrap.dedent(source), f"<{part}>", "exec"), namespace)
    return namespace[part]


@pytest.mark.parametrize("label, part, source, expected", LEARNER_ANSWERS,
                         ids=[entry[0] for entry in LEARNER_ANSWERS])
def test_a_learner_style_answer_gets_the_hint_of_its_mistake_and_no_other(label, part, source,
                                                                          expected):
    impl = _load(part, source)
    results = {key: _named(key, impl) for key in KEYS if ASPECTS[key].part == part}
    if expected == "right":
        assert not any(failed for failed, _, _ in results.values()), results
        return
    assert any(failed for failed, _, _ in results.values()), f"{label}: not caught"
    named = set().union(*(found for _, found, _ in results.values()))
    assert named <= ({expected} if expected else set()), f"{label}: named {named}"
    if expected:
        messages = "\n".join(text for _, _, text in results.values())
        assert expected in named, f"{label}: not named\n{messages}"


# --- the learner's path -------------------------------------------------------------------------

def test_the_learners_path_as_written_holds_for_the_architectures_notebook():
    """The same rules as the other notebooks' (test_learner_path.py, which leaves this one to
    this file): the setup cell imports what the text recommends, and no stub gives away what
    its part asks to work out."""
    from test_learner_path import (
        test_stubs_do_not_give_away_what_the_task_asks_to_work_out as stubs_hold_back,
        test_the_setup_cell_imports_every_module_the_text_recommends as setup_imports)

    setup_imports(A)
    stubs_hold_back(A)


def test_the_notebook_says_that_the_self_check_shows_every_kind_of_graded_case():
    intro = read(source_path(A)).cells[0].source
    assert "Every kind of case the grading uses has a visible case of the\nsame kind" in intro
    assert "differ only in\ntheir values" in intro


# --- graded as `autograder grade` grades it ----------------------------------------------------

@pytest.fixture(scope="module")
def released_course(tmp_path_factory):
    """This assignment alone, released in a course of its own (the whole course's nbgrader run
    is test_nbgrader.py's)."""
    import os
    import shutil
    import subprocess
    import sys

    from exercise_tools import EXERCISES

    root = tmp_path_factory.mktemp("architectures") / "course"
    shutil.copytree(EXERCISES / "source" / A, root / "source" / A)
    shutil.copy(EXERCISES / "nbgrader_config.py", root)
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run([sys.executable, "-m", "autograder", "release", A], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.mark.slow
@pytest.mark.parametrize("mistake_id", [None, "layer-norm-centers-input-in-place",
                                        "mha-mask-hides-diagonal",
                                        "conv-backward-padding-forgotten",
                                        "dense-block-backward-writes-into-grad-out"])
def test_the_sandboxed_grade_gives_the_solution_full_marks_and_a_mistake_loses_its_aspects(
        released_course, mistake_id):
    """Through the grader's own worker: the learner's kernel in its sandbox, and the isolated
    trusted run (no nnlib) that decides the points, in-place checks included."""
    from autograder.course import Course
    from autograder.practice import PracticeAssignment
    from autograder.spec import Job, not_graded_reason
    from autograder.worker import grade_submission

    practice = PracticeAssignment(released_course, A)
    submission = (practice.correct() if mistake_id is None
                  else practice.with_mistake(mistake_bank.get(mistake_id)))
    spec = Course(released_course).assignment_spec(A)
    result = grade_submission(Job(spec, "s001", dict(submission.notebooks), timeout=120.0,
                                  fork_kernels=False))
    assert not_graded_reason(result) is None, result["problems"]
    (notebook,) = result["notebooks"].values()
    grades = {k: v for k, v in notebook["grades"].items() if v is not None}
    assert len(grades) == len(KEYS)
    lost = {k for k, v in grades.items() if v < 1}
    expected = set() if mistake_id is None else {
        f"test-{m.part}-{a}" for m in [mistake_bank.get(mistake_id)] for a in m.fails}
    assert lost == expected
