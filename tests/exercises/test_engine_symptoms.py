"""Symptom hints (``autograder.checks._symptoms``) and the messages a beginner reads.

A symptom hint must appear only for its mistake: every symptom stays silent on the correct
answers (the source notebooks' solutions) of every part, and on every known mistake of the bank
for which it is not meant (each bank entry's ``shows=`` lists the symptoms it really shows,
checked by hand against its source). Then each symptom is shown to fire on
a mistake written as a learner would, with no help from the bank.
"""
from __future__ import annotations

import ast
import linecache
import math
import re
import textwrap

import numpy as np
import pytest

from exercise_tools import (ASSIGNMENT_NAMES, cell_id, hidden_seeds, nbgrader_meta, read,
                            solution_answers, source_path)

from autograder import mistakes as mistake_bank
from autograder.checks import ASPECTS, PARTS, CheckFailed, check
from autograder.checks import _check
from autograder.checks._core import reference, run, visible_seed
from autograder.checks._locate import wrong_line_symptom
from autograder.checks._symptoms import diagnose

#: Known mistake -> the symptoms it shows (a constant factor it has, the float64 it returns...).

SEEDS = hidden_seeds()


def _fired(key: str, impl) -> set[str]:
    """The symptoms named for ``impl`` on the self-check's cases and on grading's."""
    aspect = ASPECTS[key]
    fired = set()
    for hidden, seed in ((False, visible_seed(key)), (True, SEEDS.get(key, 1))):
        cases = aspect.cases(np.random.default_rng(seed), hidden)
        outcomes = [run(aspect, impl, case, learner=False) for case in cases]
        fired |= {symptom for symptom, _ in diagnose(aspect, impl, cases, outcomes)}
    return fired


def _solutions(assignment: str) -> dict:
    """The source notebook's code cells (setup and solutions, not the tests), run."""
    namespace: dict = {}
    for cell in read(source_path(assignment)).cells:
        if cell.cell_type == "code" and not nbgrader_meta(cell).get("grade"):
            exec(compile(cell.source, f"<solution {cell_id(cell)}>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("assignment", ASSIGNMENT_NAMES)
def test_no_symptom_is_named_for_a_correct_answer(assignment):
    namespace = _solutions(assignment)
    loud = {key: _fired(key, namespace[aspect.part]) for key, aspect in ASPECTS.items()
            if PARTS[aspect.part].assignment == assignment}
    assert not {k: v for k, v in loud.items() if v}


MISTAKES = list(mistake_bank.MISTAKES)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_mistake_shows_exactly_the_symptoms_its_bank_entry_lists(mistake):
    """A symptom fires only for the mistakes it is meant for (``shows=``, checked by hand against
    each source), and ``shows=`` is not a list of excuses: each symptom listed does fire."""
    fired = set().union(*(_fired(f"{mistake.part}.{a}", mistake.load()) for a in mistake.fails))
    assert fired == set(mistake.shows), (
        f"{mistake.id} shows {sorted(fired)}, its bank entry lists {sorted(mistake.shows)}: "
        f"if a symptom is true of its source, add it to shows=; otherwise the symptom is too "
        f"eager (or no longer fires)")


# --- each symptom on a learner's mistake that the bank does not know ----------------------------

@pytest.fixture
def no_bank(monkeypatch):
    """Check as if the bank of known mistakes were empty: only the symptoms can name a mistake."""
    monkeypatch.setattr(_check.mistake_bank, "for_part", lambda part: ())


def _fails(key, impl) -> bool:
    try:
        check(key, impl)
    except CheckFailed:
        return True
    return False


def _failure(key, impl, **options) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        check(key, impl, **options)
    return info.value


def test_a_constant_factor_is_named_from_the_case(no_bank):
    def mse_loss(pred, target):  # the gradient of the sum, not of the mean
        return float(np.mean((pred - target) ** 2)), 2 * (pred - target)

    failure = _failure("mse_loss.gradient", mse_loss)
    assert failure.symptoms == ("constant-factor",)
    assert "the number of entries of pred" in str(failure)

    def l1_penalty(weights, strength):
        return (strength * sum(np.abs(w).sum() for w in weights),
                [strength * np.sign(w) / w.size for w in weights])

    assert "1/" in str(_failure("l1_penalty.gradient", l1_penalty))


def test_the_other_axis_is_named(no_bank):
    def softmax(x):
        e = np.exp(x - x.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    assert _failure("softmax.values", softmax).symptoms == ("other-axis",)


def test_a_step_count_off_by_one_is_named(no_bank):
    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        t = t + 1
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    assert "step-ahead" in _failure("adam_step.one_step", adam_step).symptoms
    assert "step-ahead" in _failure("adam_step.trajectory", adam_step).symptoms


def test_a_float64_promotion_is_traced_to_its_line(no_bank):
    def gelu(x):
        from scipy.special import erf
        c = np.sqrt(0.5)
        return 0.5 * x * (1 + erf(x * c))

    failure = _failure("gelu.values", gelu)
    assert "float64" in failure.symptoms
    message = str(failure)
    assert "you returned float64 for float32 input" in message
    assert "np.sqrt of a Python number" in message and "c = np.sqrt(0.5)" in message

    def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
        bound = math.sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, size=(fan_in, fan_out))  # dtype never applied

    message = str(_failure("xavier_uniform.distribution", xavier_uniform))
    assert "rng.uniform draws float64" in message and ".astype(dtype)" in message


def test_the_first_nan_is_traced_to_its_line(no_bank):
    def softmax(x):
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)

    failure = _failure("softmax.large_inputs", softmax)
    assert "nan-inf" in failure.symptoms
    message = str(failure)
    assert "e = np.exp(x)" in message and "overflow encountered in exp" in message


def test_a_kink_a_reciprocal_and_a_relu_too_many_are_named(no_bank):
    assert _failure("relu_derivative.values",
                    lambda x: (x >= 0).astype(x.dtype)).symptoms == ("only-at-zero",)
    assert _failure("adam_first_step_ratio.ratio",
                    lambda b1, b2: (1 - b2) ** 0.5 / (1 - b1)).symptoms == ("reciprocal",)

    def mlp_forward(X, weights, biases):
        activations = [X]
        for W, b in zip(weights, biases):
            activations.append(np.maximum(activations[-1] @ W + b, 0))
        return activations[-1], activations

    assert _failure("mlp_forward.output", mlp_forward).symptoms == ("negatives-zeroed",)


def test_a_transposed_gradient_is_named(no_bank):
    def linear_backward(X, W, grad_out):
        return grad_out @ W.T, grad_out.T @ X, grad_out.sum(axis=0)

    assert _failure("linear_backward.grad_W", linear_backward).symptoms == ("transposed",)


def test_a_change_to_the_callers_array_is_traced_to_its_line(no_bank):
    def softmax(x):
        x -= x.max(axis=-1, keepdims=True)
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)

    failure = _failure("softmax.values", softmax)
    assert failure.symptoms == ("in-place",)
    assert "`x -= x.max(axis=-1, keepdims=True)`" in str(failure)


def test_counts_off_by_one_are_named(no_bank):
    def dense_block_widths(in_features, growth_rate, num_layers):  # one growth short
        widths = [in_features + i * growth_rate for i in range(num_layers)]
        return widths, in_features + (num_layers - 1) * growth_rate

    failure = _failure("dense_block_widths.widths", dense_block_widths)
    assert failure.symptoms == ("off-by-one",)
    assert "one growth_rate too few" in str(failure)

    def dense_block_widths(in_features, growth_rate, num_layers):  # starts one growth late
        widths = [in_features + i * growth_rate for i in range(1, num_layers + 1)]
        return widths, in_features + num_layers * growth_rate

    assert "one step too late" in str(_failure("dense_block_widths.widths", dense_block_widths))


def test_a_factor_is_named_from_default_arguments_and_from_axes(no_bank):
    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)  # stores the corrected moments
        v = (beta2 * v + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
        return param - lr * m / (np.sqrt(v) + eps), m, v

    failure = _failure("adam_step.one_step", adam_step)
    assert failure.symptoms == ("constant-factor",) and "1/(1 - beta1^t)" in str(failure)

    from exercises.architectures.checks import ref_conv2d_backward

    def conv2d_backward(grad_out, x, weight, stride=1, padding=0):  # the bias gradient a mean
        grad_x, grad_weight, _ = ref_conv2d_backward(grad_out, x, weight, stride, padding)
        return grad_x, grad_weight, grad_out.mean(axis=(0, 2, 3))

    failure = _failure("conv2d_backward.param_grads", conv2d_backward)
    assert failure.symptoms[0] == "constant-factor"
    assert "the sizes of axes 0, 2, 3 of grad_out" in str(failure)


def test_a_sign_swapped_values_and_an_ignored_argument_are_named(no_bank):
    def mse_loss(pred, target):
        diff = target - pred
        return float(np.mean(diff ** 2)), 2 * diff / diff.size

    failure = _failure("mse_loss.gradient", mse_loss)
    assert failure.symptoms == ("sign-flipped", "wrong-line")
    assert "`diff = target - pred`" in str(failure) and "`diff` there has the opposite sign" in str(
        failure)

    def sgd_momentum_step(param, grad, velocity, lr, momentum):
        velocity = momentum * velocity + grad
        return velocity, param - lr * velocity

    assert _failure("sgd_momentum_step.one_step", sgd_momentum_step).symptoms == (
        "outputs-swapped",)

    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        beta1, beta2 = beta2, beta1  # each decay rate on the other moment
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    failure = _failure("adam_step.one_step", adam_step)
    assert failure.symptoms == ("arguments-swapped",) and "`beta1` and `beta2`" in str(failure)

    def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
        square_avg = 0.99 * square_avg + 0.01 * grad ** 2
        return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg

    failure = _failure("rmsprop_step.step", rmsprop_step)
    assert failure.symptoms[0] == "argument-ignored" and "`alpha`" in str(failure)
    assert "`square_avg = 0.99 * square_avg + 0.01 * grad ** 2`" in str(failure)  # wrong-line

    def attention(Q, K, V, mask=None):  # the mask never read
        scores = Q @ K.T / np.sqrt(Q.shape[1]).astype(Q.dtype)
        weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights /= weights.sum(axis=-1, keepdims=True)
        return weights @ V, weights

    keys = [k for k in ASPECTS if k.startswith("attention.") and k != "attention.values"]
    failures = [_failure(k, attention) for k in keys if _fails(k, attention)]
    assert failures and all("argument-ignored" in f.symptoms for f in failures)


def test_an_argument_returned_unchanged_and_an_array_never_filled_are_named(no_bank):
    def sgd_momentum_step(param, grad, velocity, lr, momentum):
        new_velocity = momentum * velocity + grad
        return param - lr * new_velocity, velocity  # the old velocity

    failure = _failure("sgd_momentum_step.one_step", sgd_momentum_step)
    assert failure.symptoms == ("argument-returned",) and "`velocity`" in str(failure)

    def linear_forward(X, W, b):
        out = np.zeros((X.shape[0], W.shape[1]), dtype=X.dtype)
        for i in range(len(out)):
            row = out[i].copy()
            row += X[i] @ W + b  # written into a copy
        return out

    assert _failure("linear_forward.values", linear_forward).symptoms == ("all-zeros",)


def test_a_reduction_without_keepdims_and_np_pad_on_every_axis_are_named(no_bank):
    def softmax(x):
        e = np.exp(x - x.max(axis=-1))
        return e / e.sum(axis=-1)

    failure = _failure("softmax.values", softmax)
    assert failure.symptoms == ("keepdims",) and "keepdims=True" in str(failure)

    def conv2d_forward(x, weight, bias, stride=1, padding=0):
        xp = np.pad(x, padding)  # pads the batch and channel axes too
        (n, _, h, w), (o, _, kh, kw) = x.shape, weight.shape
        ho, wo = (h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1
        out = np.zeros((n, o, ho, wo), dtype=x.dtype)
        for i in range(ho):
            for j in range(wo):
                patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                out[:, :, i, j] = np.tensordot(patch, weight, ([1, 2, 3], [1, 2, 3])) + bias
        return out

    failure = _failure("conv2d_forward.stride_padding", conv2d_forward)
    assert "pad-every-axis" in failure.symptoms


def test_a_mistake_seen_only_on_one_kind_of_case_is_named_by_that_kind(no_bank):
    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        return param - lr * m_hat / np.sqrt(v_hat + eps), m, v  # eps inside the root

    failure = _failure("adam_step.one_step", adam_step)
    assert "only-tiny" in failure.symptoms and "eps" in str(failure)


def test_a_missing_return_too_few_values_and_an_extra_axis_are_named(no_bank):
    def sigmoid(x):
        out = np.empty_like(x)
        out[...] = 1 / (1 + np.exp(-np.clip(x, -500, 500)))  # and no return

    assert _failure("sigmoid.values", sigmoid).symptoms == ("no-return",)

    def mse_loss(pred, target):
        return 2 * (pred - target) / pred.size  # the loss itself forgotten

    assert _failure("mse_loss.gradient", mse_loss).symptoms == ("return-values",)

    def linear_backward(X, W, grad_out):
        return grad_out @ W.T, X.T @ grad_out, grad_out.sum(axis=0, keepdims=True)

    assert _failure("linear_backward.grad_b", linear_backward).symptoms == (
        "axis-of-one",)


def test_a_swap_of_two_counts_is_no_shift_and_an_unexplained_field_stops_a_factor(no_bank):
    from autograder.checks._symptoms import _count_slips

    assert _count_slips([3, 5], [5, 3], {}) == {}  # a swapped pair, e.g. a transposed shape
    assert "late" in _count_slips([2, 3, 4], [1, 2, 3], {})

    def mse_loss(pred, target):  # the gradient twice too large and the loss of the wrong sign
        diff = pred - target
        return -float(np.mean(diff ** 2)), 4 * diff / diff.size

    failures = [_failure(k, mse_loss) for k in ("mse_loss.value", "mse_loss.gradient")]
    assert "constant-factor" in failures[1].symptoms

    def he_normal(fan_in, fan_out, rng, dtype=np.float64):  # std right, mean 1 instead of 0
        return (1 + rng.standard_normal((fan_in, fan_out)) * math.sqrt(2 / fan_in)).astype(dtype)

    for key in [k for k in ASPECTS if k.startswith("he_normal.")]:
        if _fails(key, he_normal):
            assert "constant-factor" not in _failure(key, he_normal).symptoms


def test_conventions_swapped_are_named(no_bank):
    class Dropout:  # keeps each entry with probability p
        def __init__(self, p, rng):
            self.p, self.rng = p, rng

        def forward(self, x, training=True):
            if not training:
                return x
            self.mask = (self.rng.random(x.shape) < self.p) / self.p
            return x * self.mask.astype(x.dtype)

        def backward(self, grad_out):
            return grad_out * self.mask.astype(grad_out.dtype)

    assert "dropout-keep-probability" in _failure("Dropout.forward", Dropout).symptoms

    class EarlyStopping:  # ignores min_delta
        def __init__(self, patience, min_delta=0.0):
            self.patience, self.best, self.saved, self.bad = patience, float("inf"), None, 0

        def update(self, value, weights):
            if value < self.best:
                self.best, self.saved, self.bad = value, [w.copy() for w in weights], 0
            else:
                self.bad += 1
            return self.bad >= self.patience

        def restore(self, weights):
            for w, best in zip(weights, self.saved or []):
                w[...] = best

    assert _failure("EarlyStopping.stop", EarlyStopping).symptoms == ("min-delta-ignored",)


def test_a_mode_mix_up_is_named(no_bank):
    def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                          eps=1e-5):
        mean, var = x.mean(axis=0), x.var(axis=0)
        if training:
            n = x.shape[0]
            running_mean = (1 - momentum) * running_mean + momentum * mean
            running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
        return gamma * (x - running_mean) / np.sqrt(var + eps) + beta, running_mean, running_var

    failure = _failure("batchnorm_forward.eval_output", batchnorm_forward)
    assert failure.symptoms == ("mode-batch-variance-in-eval",)


# --- inputs owned by the caller ----------------------------------------------------------------

def test_modifying_a_state_array_in_place_fails_naming_it():
    def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
        square_avg *= alpha
        square_avg += (1 - alpha) * grad ** 2
        return param - lr * grad / (np.sqrt(square_avg) + eps), square_avg

    message = str(_failure("rmsprop_step.step", rmsprop_step))
    assert "modified its argument `square_avg` in place" in message


def test_modifying_the_parameters_in_place_fails_in_every_step_of_a_trajectory():
    def sgd_momentum_step(param, grad, velocity, lr, momentum):
        velocity = momentum * velocity + grad
        param -= lr * velocity
        return param, velocity

    for key in ("sgd_momentum_step.one_step", "sgd_momentum_step.trajectory"):
        assert "modified its argument `param` in place" in str(_failure(key, sgd_momentum_step))


def test_restore_must_write_into_the_callers_arrays():
    class EarlyStopping:
        def __init__(self, patience, min_delta=0.0):
            self.patience, self.min_delta = patience, min_delta
            self.best, self.saved, self.bad = float("inf"), None, 0

        def update(self, value, weights):
            if value < self.best - self.min_delta:
                self.best, self.saved, self.bad = value, [w.copy() for w in weights], 0
            else:
                self.bad += 1
            return self.bad >= self.patience

        def restore(self, weights):
            if self.saved is not None:
                for i, best in enumerate(self.saved):
                    weights[i] = best.copy()  # rebinds the slot: the caller's arrays keep theirs

    check("EarlyStopping.stop", EarlyStopping)
    message = str(_failure("EarlyStopping.restore", EarlyStopping))
    assert "instead of writing into the caller's arrays" in message and "w[...] = best" in message


# --- messages ------------------------------------------------------------------------------------

def test_nan_and_inf_are_named_and_never_next_to_a_tiny_largest_difference():
    def sigmoid(x):
        out = 1 / (1 + np.exp(-x))
        out[0, 0] = np.nan
        return out

    message = str(_failure("sigmoid.values", sigmoid))
    assert "got nan (not a number)" in message and "largest difference" not in message


def test_values_are_printed_with_enough_digits_to_differ():
    def sigmoid(x):
        return 1 / (1 + np.exp(-x)) * (1 + 3e-6)

    message = str(_failure("sigmoid.values", sigmoid))
    pairs = re.findall(r"expected (\S+), got (\S+)", message)
    assert pairs and all(expected != got for expected, got in pairs)


def test_the_dtype_message_says_what_was_returned():
    def he_normal(fan_in, fan_out, rng, dtype=np.float64):
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))

    message = str(_failure("he_normal.distribution", he_normal))
    assert "dtype: expected float32, got float64" in message
    assert "an object of type str" not in message


# --- the line where the values go wrong -----------------------------------------------------------

def _learners(source: str, name: str):
    """``name`` defined by ``source`` as a notebook cell defines it: its lines readable by
    linecache, as IPython makes them, so that a message can quote them."""
    filename = f"<cell {name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "math": math}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def test_the_statement_where_the_values_go_wrong_is_named(no_bank):
    batchnorm_backward = _learners(
        "def batchnorm_backward(grad_out, x, gamma, eps=1e-5):\n"
        "    n = x.shape[0]\n"
        "    mean = x.mean(axis=0)\n"
        "    var = x.var(axis=0, ddof=1)  # the unbiased variance\n"
        "    inv_std = 1.0 / np.sqrt(var + eps)\n"
        "    x_hat = (x - mean) * inv_std\n"
        "    g = grad_out * gamma\n"
        "    grad_x = inv_std / n * (n * g - g.sum(axis=0)\n"
        "                            - x_hat * (g * x_hat).sum(axis=0))\n"
        "    return grad_x, (grad_out * x_hat).sum(axis=0), grad_out.sum(axis=0)\n",
        "batchnorm_backward")
    failure = _failure("batchnorm_backward.grad_x", batchnorm_backward)
    assert "wrong-line" in failure.symptoms
    assert "line 4 of your code: `var = x.var(axis=0, ddof=1)`" in str(failure)
    assert "Up to there your values agree" in str(failure)


def test_a_value_right_for_another_place_is_named_where_it_was_made(no_bank):
    # A value nnlib also computes (the pre-activation) used where the code needs another (the
    # hidden layer's output): the statement that used it is not to blame, the one that made it is.
    mlp_forward = _learners(
        "def mlp_forward(X, weights, biases):\n"
        "    A, activations = X, [X]\n"
        "    for i in range(len(weights)):\n"
        "        Z = A @ weights[i] + biases[i]\n"
        "        if i < len(weights) - 2:  # one layer too few gets its ReLU\n"
        "            Z = np.maximum(Z, 0)\n"
        "        A = Z\n"
        "        activations.append(A)\n"
        "    return A, activations\n",
        "mlp_forward")
    failure = _failure("mlp_forward.output", mlp_forward)
    assert "`A = Z`" in str(failure) and "a ReLU" in str(failure)


def test_a_return_statement_that_computes_wrongly_is_named(no_bank):
    Residual = _learners(
        "class Residual:\n"
        "    def __init__(self, block):\n"
        "        self.block = block\n"
        "    def forward(self, x):\n"
        "        return x + self.block.forward(x)\n"
        "    def backward(self, grad_out):\n"
        "        return grad_out * self.block.backward(grad_out)\n",
        "Residual")
    keys = [k for k in ASPECTS if k.startswith("Residual.")]
    messages = [str(_failure(k, Residual)) for k in keys if _fails(k, Residual)]
    assert messages and any(
        "`return grad_out * self.block.backward(grad_out)`" in m and "[symptom: wrong-line]" in m
        for m in messages)


def _batchnorm_forward(training_lines: str):
    """A learner's batchnorm_forward, right in evaluation mode and for the running statistics,
    whose training-mode output is computed by ``training_lines`` (lines 7 on, indented)."""
    return _learners(
        "def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,\n"
        "                      momentum=0.1, eps=1e-5):\n"
        "    if not training:\n"
        "        return (gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta,\n"
        "                running_mean, running_var)\n"
        "    n = x.shape[0]\n"
        + training_lines +
        "    running_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)\n"
        "    running_var = (1 - momentum) * running_var + momentum * x.var(axis=0) * n / (n - 1)\n"
        "    return out, running_mean, running_var\n",
        "batchnorm_forward")


def test_two_statements_wrong_together_are_named_together(no_bank):
    # The mean and the variance, both over the wrong axis: no single repair makes the result
    # right, the two together do.
    batchnorm_forward = _batchnorm_forward(
        "    mu = x.mean(axis=1, keepdims=True)\n"
        "    var = x.var(axis=1, keepdims=True)\n"
        "    out = gamma * (x - mu) / np.sqrt(var + eps) + beta\n")
    failure = _failure("batchnorm_forward.training_output", batchnorm_forward)
    assert failure.symptoms == ("wrong-line",)
    assert "lines 7 and 8 of your code" in str(failure) and "has shape (8, 1)" in str(failure)


def test_no_line_is_named_when_the_statement_reads_a_wrong_value(no_bank):
    # The mean over the wrong axis, and beta left out of the statement that reads it: neither
    # statement alone is to blame, and the second reads a wrong value, so no line is named.
    batchnorm_forward = _batchnorm_forward(
        "    mu = x.mean(axis=1, keepdims=True)\n"
        "    out = gamma * (x - mu) / np.sqrt(x.var(axis=0) + eps)\n")
    failure = _failure("batchnorm_forward.training_output", batchnorm_forward)
    assert "wrong-line" not in failure.symptoms


def test_a_statement_written_over_several_lines_runs_once(no_bank):
    layer_norm_backward = _learners(
        "def layer_norm_backward(grad_out, x, gamma, eps=1e-5):\n"
        "    d = x.shape[-1]\n"
        "    mean = x.mean(axis=-1, keepdims=True)\n"
        "    inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)\n"
        "    x_hat = (x - mean) * inv_std\n"
        "    g = grad_out * gamma\n"
        "    grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True)\n"
        "                            + x_hat * (g * x_hat).sum(axis=-1, keepdims=True))\n"
        "    return (grad_x, (grad_out * x_hat).reshape(-1, d).sum(axis=0),\n"
        "            grad_out.reshape(-1, d).sum(axis=0))\n",
        "layer_norm_backward")
    failure = _failure("layer_norm_backward.grad_x", layer_norm_backward)
    assert "line 7 of your code: `grad_x = inv_std / d * (d * g" in str(failure)
    assert "time it runs" not in str(failure)


def test_a_sequence_one_step_behind_and_code_for_two_axes_only_are_named(no_bank):
    def ema(values, beta, bias_correction=False):
        out, m = np.empty_like(values), np.zeros_like(values[0])
        for t in range(len(values)):
            out[t] = m  # stored before the update
            m = beta * m + (1 - beta) * values[t]
        return out

    assert _failure("ema.plain", ema).symptoms[0] == "shifted"

    def layer_norm_forward(x, gamma, beta, eps=1e-5):
        mu, var = x.mean(axis=-1), x.var(axis=-1)  # no keepdims: [:, None] fits 2-D x only
        return gamma * (x - mu[:, None]) / np.sqrt(var[:, None] + eps) + beta

    failure = _failure("layer_norm_forward.values", layer_norm_forward, seed=0, hidden=True)
    assert "only-more-axes" in failure.symptoms and "keepdims=True" in str(failure)


def _statements(source: str) -> set[str]:
    """The simple statements of ``source``, each without comments and white space (none for
    a written answer)."""
    lines = source.splitlines()
    found = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not hasattr(node, "body"):
            text = "".join(line.split("#", 1)[0] for line in lines[node.lineno - 1:node.end_lineno])
            found.add(re.sub(r"\s+", "", text))
    return found


@pytest.mark.parametrize("mistake", MISTAKES[::4], ids=[m.id for m in MISTAKES[::4]])
def test_the_line_named_for_a_known_mistake_is_one_it_changed(mistake):
    """wrong-line, run on a sample of the bank (every fourth entry, the self-check's cases), names
    a statement the mistake changed from the solution, never one it shares with it; except
    "on line N or just after it", where a step is missing after a right statement."""
    solution = set().union(*map(_statements, solution_answers(mistake.assignment).values()))
    impl = _learners(textwrap.dedent(mistake.source).strip() + "\n", mistake.part)
    for name in mistake.fails:
        aspect = ASPECTS[f"{mistake.part}.{name}"]
        cases = aspect.cases(np.random.default_rng(visible_seed(aspect.key)), False)
        outcomes = [run(aspect, impl, case, learner=False) for case in cases]
        found = wrong_line_symptom(aspect, impl, cases, outcomes,
                                   [reference(aspect, case) for case in cases])
        if found and "or just after it" not in found[1]:
            quoted = re.search(r"`(.+?)` \(", found[1])
            assert quoted and re.sub(r"\s+", "", quoted.group(1)) not in solution, found[1]


def test_shapes_that_tell_their_mistake_are_named(no_bank):
    def linear_backward(X, W, grad_out):
        return grad_out @ W, X.T @ grad_out, grad_out.sum(axis=0)  # W not transposed

    failure = _failure("linear_backward.grad_W", linear_backward)
    assert failure.symptoms == ("matrix-sizes",) and "a transpose" in str(failure)

    def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
        from exercises.architectures.checks import ref_conv2d_backward
        grad_x, grad_weight, _ = ref_conv2d_backward(grad_out, x, weight, stride, padding)
        return grad_x, grad_weight, grad_out.sum(axis=(2, 3))  # one row per example left

    failure = _failure("conv2d_backward.param_grads", conv2d_backward)
    assert failure.symptoms[0] == "batch-axis-kept" and "axis 0" in str(failure)

    def he_normal(fan_in, fan_out, rng, dtype=np.float64):
        return (math.sqrt(2 / fan_in) * rng.standard_normal((fan_out, fan_in))).astype(dtype)

    failure = _failure("he_normal.distribution", he_normal)
    assert failure.symptoms == ("transposed",) and "(in, out)" in str(failure)


def test_one_number_used_for_another_and_float64_in_a_list_are_named(no_bank):
    def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * grad
        v = beta1 * v + (1 - beta1) * grad ** 2  # a copied line: beta1 for the second moment
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta1 ** t)
        return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    failure = _failure("adam_step.one_step", adam_step)
    assert failure.symptoms[0] == "argument-replaced" and "`beta1` where `beta2`" in str(failure)

    def clip_grad_norm(grads, max_norm):
        norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads))
        scale = min(1.0, max_norm / (norm + 1e-6))  # a float64 scalar
        return [g * scale for g in grads], float(norm)

    keys = [k for k in ASPECTS if k.startswith("clip_grad_norm.")]
    failures = [_failure(k, clip_grad_norm) for k in keys if _fails(k, clip_grad_norm)]
    assert failures and any("float64" in f.symptoms for f in failures)
