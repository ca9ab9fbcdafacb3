"""Checks for the regularization assignment: L2 and L1 penalties, dropout, batch normalization
and early stopping (chapter ``05_regularization``)."""
from __future__ import annotations

import numpy as np

from nnlib import layers, regularization, train

from autograder.checks._build import function_aspect, randn, shapes
from autograder.checks._core import Aspect, Case, Part, Probe, ReturnProblem, describe, register

ASSIGNMENT = "regularization"
CHAPTER = "05_regularization"


# --- penalties --------------------------------------------------------------------------------

def _penalty_reference(penalty_class):
    def reference(weights, strength):
        params = [layers.Parameter(w.copy()) for w in weights]
        penalty = penalty_class(params, strength)
        value = penalty.value()
        penalty.backward()
        if weights and weights[0].dtype == np.float32:
            value = np.float32(value)
        return value, [p.grad for p in params]
    return reference


def _penalty_cases(rng, hidden):
    def case(label, weights, strength):
        dtype = ", float32" if weights[0].dtype == np.float32 else ""
        return Case(f"{label}: weights of shapes {[w.shape for w in weights]}{dtype}, "
                    f"strength = {strength}", (weights, strength),
                    float32=weights[0].dtype == np.float32)

    with_zeros = randn(rng, 3, 3)
    with_zeros[[0, 1, 2], [2, 0, 1]] = 0.0
    cases = [case("two weight matrices", [randn(rng, 3, 2), randn(rng, 2, 4)], 0.1),
             case("a matrix with some weights exactly 0", [with_zeros], 0.5),
             case("all-zero weights", [np.zeros((2, 2)), np.zeros((2, 1))], 0.3),
             case("large weights", [randn(rng, 4, 3, scale=1e3)], 0.01),
             case("float32 weights", [randn(rng, 3, 3, dtype=np.float32)], 0.2),
             case("strength 0 (no penalty)", [randn(rng, 2, 3)], 0.0)]
    if hidden:
        cases += [case("one weight matrix", [randn(rng, 5, 5)], 1e-3)]
    return cases


for _name, _title, _class, _anchor in [
    ("l2_penalty", "The L2 penalty", regularization.L2Penalty, "regularization-l2"),
    ("l1_penalty", "The L1 penalty", regularization.L1Penalty, "regularization-l1"),
]:
    _reference = _penalty_reference(_class)
    register(
        Part(_name, ASSIGNMENT, _title, CHAPTER, _anchor,
             f"{_name}(weights, strength)"),
        function_aspect(_name, "value", "the penalty's value", _penalty_cases, _reference,
                        ("value", "grads"), ("value",)),
        function_aspect(_name, "gradient", "the penalty's gradient for each weight matrix",
                        _penalty_cases, _reference, ("value", "grads"), ("grads",)),
    )


# --- Dropout ----------------------------------------------------------------------------------

class _ReferenceDropout:
    """nnlib's Dropout behind the exercise's interface: forward(x, training), backward(g)."""

    def __init__(self, p, rng):
        self.layer = layers.Dropout(p, rng=rng)

    def forward(self, x, training=True):
        self.layer.train(training)
        return self.layer.forward(x)

    def backward(self, grad_out):
        return self.layer.backward(grad_out)


def _dropout_inputs(rng, hidden, with_eval_p=False):
    def case(label, p, shape, dtype=np.float64):
        magnitude = rng.uniform(0.5, 2.0, size=shape)
        x = (magnitude * rng.choice([-1.0, 1.0], size=shape)).astype(dtype)  # no zeros in x
        return Case(f"{label}: p = {p}, x {x.shape}" + (", float32" if dtype == np.float32 else ""),
                    (p, x), seed=int(rng.integers(2**31)), float32=dtype == np.float32)

    cases = [case("a large random batch", 0.2, (200, 100)), case("a large random batch", 0.5, (100, 150)),
             case("a batch of one example", 0.3, (1, 20000)),
             case("a float32 batch", 0.4, (100, 200), dtype=np.float32),
             case("p = 0 (nothing dropped)", 0.0, (20, 30)),
             case("a high drop probability", 0.8, (150, 150))]
    if hidden:
        cases += [case("a large random batch", 0.6, (120, 120))]
    return cases


def _drop_keep_swapped(case):
    p, x = case.args
    return case.replace(1.0 - p, x) if 0 < p < 1 and p != 0.5 else None


_DROPOUT_PROBES = (Probe(
    "dropout-keep-probability", "Your layer drops a fraction 1 - p of the entries and keeps "
    "p: in this exercise (and in PyTorch) p is the probability to DROP an entry; keep each "
    "with probability 1 - p and scale the kept ones by 1 / (1 - p).", _drop_keep_swapped),)


def _dropout_forward_stats(out, x) -> dict:
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise ReturnProblem(f"forward should return an array of the input's shape {x.shape}, "
                            f"got {describe(out)}")
    ratio = out.astype(np.float64) / x.astype(np.float64)
    kept = out != 0
    return {"dtype": str(out.dtype),
            "fraction of entries dropped": float(np.mean(~kept)),
            "smallest output/input ratio among kept entries": float(ratio[kept].min()) if kept.any() else 0.0,
            "largest output/input ratio among kept entries": float(ratio[kept].max()) if kept.any() else 0.0}


def _dropout_forward_observe(impl, case):
    (p, x), _ = case.fresh_args()
    return _dropout_forward_stats(impl(p, case.rng()).forward(x, training=True), x)


def _dropout_eval_observe(impl, case):
    (p, x), _ = case.fresh_args()
    return {"output in evaluation mode": impl(p, case.rng()).forward(x, training=False)}


def _dropout_backward_observe(impl, case):
    (p, x), _ = case.fresh_args()
    layer = impl(p, case.rng())
    out = layer.forward(x, training=True)
    grad_out = np.random.default_rng(case.seed + 1).standard_normal(x.shape).astype(x.dtype)
    grad_in = layer.backward(grad_out)
    if not isinstance(grad_in, np.ndarray) or grad_in.shape != x.shape:
        raise ReturnProblem(f"backward should return an array of shape {x.shape}, got {describe(grad_in)}")
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise ReturnProblem(f"forward should return an array of shape {x.shape}, got {describe(out)}")
    # The gradient must pass exactly where forward passed the input, with the same scale.
    follows = np.isclose(grad_in, grad_out * (out / x), rtol=1e-4, atol=1e-6)
    return {"fraction of entries where grad_in differs from grad_out * (output / input)":
            float(np.mean(~follows))}


def _reference_observer(observe):
    return lambda case: observe(_ReferenceDropout, case)


_DROPOUT_TOLERANCES = {
    "fraction of entries dropped": (0.0, 0.02),
    "smallest output/input ratio among kept entries": (1e-4, 0.0),
    "largest output/input ratio among kept entries": (1e-4, 0.0),
    "fraction of entries where grad_in differs from grad_out * (output / input)": (0.0, 1e-9),
}
register(
    Part("Dropout", ASSIGNMENT, "Inverted dropout", CHAPTER, "regularization-dropout",
         "Dropout(p, rng).forward(x, training) / .backward(grad_out)"),
    Aspect("Dropout", "forward", "the forward pass in training mode (drop rate and scaling)",
           _dropout_inputs, _dropout_forward_observe, _reference_observer(_dropout_forward_observe),
           tolerances=_DROPOUT_TOLERANCES, arguments=("p", "x"), probes=_DROPOUT_PROBES),
    Aspect("Dropout", "eval", "the forward pass in evaluation mode (the identity)",
           _dropout_inputs, _dropout_eval_observe, _reference_observer(_dropout_eval_observe),
           arguments=("p", "x")),
    Aspect("Dropout", "backward", "the backward pass (same mask and scale as forward)",
           _dropout_inputs, _dropout_backward_observe,
           _reference_observer(_dropout_backward_observe), tolerances=_DROPOUT_TOLERANCES,
           arguments=("p", "x")),
)


# --- batch normalization ----------------------------------------------------------------------

def _batchnorm_layer(gamma, beta, running_mean, running_var, momentum, eps):
    layer = layers.BatchNorm1d(gamma.shape[0], eps=eps, momentum=momentum, dtype=gamma.dtype)
    layer.weight.data[...] = gamma
    layer.bias.data[...] = beta
    layer.running_mean[...] = running_mean
    layer.running_var[...] = running_var
    return layer


def ref_batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                          eps=1e-5):
    layer = _batchnorm_layer(gamma, beta, running_mean, running_var, momentum, eps)
    layer.train(training)
    out = layer(x)
    return out, layer.running_mean, layer.running_var


def _batchnorm_forward_cases(modes):
    def cases(rng, hidden):
        def case(label, n, d, training, scale=1.0, shift=0.0, dtype=np.float64, constant=False,
                 momentum=0.1):
            x = (shift + scale * rng.standard_normal((n, d))).astype(dtype)
            if constant:
                x[:, 0] = 3.0
            gamma = rng.uniform(0.5, 2.0, d).astype(dtype)
            beta = randn(rng, d, dtype=dtype)
            running_mean = randn(rng, d, dtype=dtype)
            running_var = rng.uniform(0.5, 2.0, d).astype(dtype)
            mode = "training" if training else "evaluation"
            return Case(f"{label}, {mode} mode: {shapes(x=x)}, momentum = {momentum}",
                        (x, gamma, beta, running_mean, running_var, training),
                        {"momentum": momentum}, float32=dtype == np.float32)

        found = []
        if "train" in modes:
            found += [case("a random batch", 8, 3, True, shift=2.0),
                      case("a random batch", 5, 4, True, scale=3.0, shift=-1.0, momentum=0.2),
                      case("inputs of magnitude about 1000", 6, 2, True, scale=1e3, shift=500.0),
                      case("float32 inputs", 7, 3, True, shift=1.0, dtype=np.float32)]
            if hidden:
                found += [case("the smallest batch (2 examples)", 2, 3, True),
                          case("a feature that is constant over the batch", 5, 3, True, constant=True)]
        if "eval" in modes:
            found += [case("a batch far from the running mean", 6, 3, False, scale=2.0, shift=5.0),
                      case("a batch of one example", 1, 4, False),
                      case("float32 inputs", 4, 3, False, dtype=np.float32)]
            if hidden:
                found += [case("a random batch", 9, 2, False, shift=-3.0)]
        return found
    return cases


_BN_FORWARD = ("out", "running_mean", "running_var")


def _with_batch_statistics(mean: bool, var: bool):
    """An evaluation case changed so that nnlib normalizes with the batch's own mean and/or
    (biased) variance: what a learner who mixes up the modes computes."""
    def change(case):
        x, gamma, beta, running_mean, running_var, training = case.args
        if training or x.shape[0] < 2:
            return None
        return case.replace(x, gamma, beta, x.mean(axis=0) if mean else running_mean,
                            x.var(axis=0) if var else running_var, training)
    return change


def _momentum_swapped(case):
    if not case.args[5]:
        return None  # evaluation: momentum plays no part
    return case.replace(momentum=1.0 - case.kwargs["momentum"])


def _flip_mode(case):
    x, gamma, beta, running_mean, running_var, training = case.args
    return case.replace(x, gamma, beta, running_mean, running_var, not training)


_MODE_PROBES = (
    Probe("mode-batch-statistics-in-eval", "In evaluation mode your output uses the batch's own "
          "mean and variance: normalize with running_mean and running_var instead (and return "
          "them unchanged), so that a prediction does not depend on the rest of the batch.",
          _with_batch_statistics(True, True), lambda out: {"out": out["out"]}),
    Probe("mode-batch-variance-in-eval", "In evaluation mode your output uses the running mean "
          "but the batch's own variance: normalize with running_var too.",
          _with_batch_statistics(False, True), lambda out: {"out": out["out"]}),
    Probe("mode-batch-mean-in-eval", "In evaluation mode your output uses the running variance "
          "but the batch's own mean: subtract running_mean instead.",
          _with_batch_statistics(True, False), lambda out: {"out": out["out"]}),
    Probe("momentum-weights-old", "Your running statistics give the weight momentum to the "
          "old value and 1 - momentum to the batch's: PyTorch's convention (used here) is the "
          "other way round, running = (1 - momentum) * running + momentum * batch_stat.",
          _momentum_swapped, lambda out: {k: out[k] for k in ("running_mean", "running_var")}),
    Probe("mode-swapped", "Your results are those of the other mode: training=True normalizes "
          "with the batch's statistics and updates the running ones; training=False uses the "
          "running ones and leaves them unchanged. Is the test of `training` inverted?",
          _flip_mode),
)
register(
    Part("batchnorm_forward", ASSIGNMENT, "Batch normalization: the forward pass", CHAPTER,
         "regularization-batchnorm-modes",
         "batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)"),
    function_aspect("batchnorm_forward", "training_output", "the output in training mode",
                    _batchnorm_forward_cases({"train"}), ref_batchnorm_forward, _BN_FORWARD, ("out",),
                    probes=_MODE_PROBES[4:]),
    function_aspect("batchnorm_forward", "running_stats",
                    "the running mean and variance it returns (updated in training, unchanged in "
                    "evaluation)", _batchnorm_forward_cases({"train", "eval"}),
                    ref_batchnorm_forward, _BN_FORWARD, ("running_mean", "running_var"),
                    probes=_MODE_PROBES[3:]),
    function_aspect("batchnorm_forward", "eval_output", "the output in evaluation mode",
                    _batchnorm_forward_cases({"eval"}), ref_batchnorm_forward, _BN_FORWARD, ("out",),
                    probes=_MODE_PROBES[:3] + _MODE_PROBES[4:]),
)


def ref_batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    d = x.shape[1]
    layer = _batchnorm_layer(gamma, np.zeros(d, x.dtype), np.zeros(d, x.dtype),
                             np.ones(d, x.dtype), 0.1, eps)
    layer(x)
    grad_x = layer.backward(grad_out)
    return grad_x, layer.weight.grad, layer.bias.grad


def _batchnorm_backward_cases(rng, hidden):
    def case(label, n, d, scale=1.0, dtype=np.float64):
        x = (1.0 + scale * rng.standard_normal((n, d))).astype(dtype)
        gamma = rng.uniform(0.5, 2.0, d).astype(dtype)
        grad_out = randn(rng, n, d, dtype=dtype)
        return Case(f"{label}: {shapes(grad_out=grad_out, x=x, gamma=gamma)}, a random upstream "
                    "gradient", (grad_out, x, gamma), float32=dtype == np.float32)

    cases = [case("a random batch", 6, 3), case("a random batch", 10, 2, scale=2.0),
             case("inputs of magnitude about 100", 5, 3, scale=100.0),
             case("float32 arrays", 8, 3, dtype=np.float32)]
    if hidden:
        cases += [case("the smallest batch (2 examples)", 2, 4), case("a larger batch", 32, 5)]
    return cases


_BN_BACKWARD = ("grad_x", "grad_gamma", "grad_beta")
register(
    Part("batchnorm_backward", ASSIGNMENT, "Batch normalization: the backward pass", CHAPTER,
         "regularization-batchnorm", "batchnorm_backward(grad_out, x, gamma, eps)"),
    function_aspect("batchnorm_backward", "param_grads", "the gradients of gamma and beta",
                    _batchnorm_backward_cases, ref_batchnorm_backward, _BN_BACKWARD,
                    ("grad_gamma", "grad_beta")),
    function_aspect("batchnorm_backward", "grad_x", "the gradient with respect to x",
                    _batchnorm_backward_cases, ref_batchnorm_backward, _BN_BACKWARD, ("grad_x",),
                    tolerances={"grad_x": (1e-5, 1e-8)}),
)


# --- EarlyStopping ----------------------------------------------------------------------------

class _Weights(layers.Module):
    """Exposes a list of arrays as the Parameters of a model, sharing their memory."""

    def __init__(self, arrays):
        self.params = [layers.Parameter(a) for a in arrays]

    def parameters(self):
        return self.params


class _ReferenceEarlyStopping:
    """nnlib's EarlyStopping behind the exercise's interface: update(value, weights), restore."""

    def __init__(self, patience, min_delta=0.0):
        self.inner = train.EarlyStopping(patience=patience, min_delta=min_delta)
        self.epoch = 0

    def update(self, value, weights):
        stop = self.inner.update(self.epoch, value, _Weights(weights))
        self.epoch += 1
        return stop

    def restore(self, weights):
        self.inner.restore(_Weights(weights))


def _run_early_stopping(cls, case, obey_stop=True):
    """Train through the case's validation losses; return (stopped epoch, weights after restore).

    With ``obey_stop=False`` every epoch runs whatever ``update`` says, so that restoring is
    graded independently of when training stops. The weights after restore are the caller's own
    arrays (restore must write into them; replacing the list's entries fails, with a message).
    """
    (losses, patience, min_delta, seed), _ = case.fresh_args()
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    stopper = cls(patience, min_delta=min_delta)
    stopped = -1
    for epoch, value in enumerate(losses):
        for w in weights:  # one epoch of "training": the weights change in place
            w += rng.standard_normal(w.shape)
        if stopper.update(value, weights) and stopped == -1:
            stopped = epoch
            if obey_stop:
                break
    arrays = list(weights)  # the caller's own arrays: restore must write into them
    stopper.restore(weights)
    rebound = [i for i, (w, a) in enumerate(zip(weights, arrays)) if w is not a]
    if rebound and not obey_stop:  # restoring is graded on the run that ignores stopping
        raise ReturnProblem(
            f"restore replaced entries of the list it was given (weights[{rebound[0]}] = ...) "
            f"instead of writing into the caller's arrays: the caller's model keeps its old "
            f"arrays, so it is not restored. Copy the values in place: w[...] = best "
            f"(or np.copyto(w, best)) for each array w of weights")
    return stopped, arrays


def _early_stopping_cases(rng, hidden):
    def case(label, losses, patience, min_delta=0.0):
        return Case(f"{label}: validation losses {losses}, patience = {patience}, "
                    f"min_delta = {min_delta}", (losses, patience, min_delta, int(rng.integers(2**31))))

    cases = [case("improves, then gets worse", [1.0, 0.8, 0.6, 0.65, 0.62, 0.61, 0.7, 0.9], 3),
             case("small improvements below min_delta",
                  [1.0, 0.9, 0.87, 0.86, 0.85, 0.84, 0.83], 2, 0.05),
             case("keeps improving (never stops)", [1.0, 0.9, 0.8, 0.7, 0.6], 2),
             case("improves again after bad epochs",
                  [1.0, 0.9, 0.95, 0.85, 0.9, 0.8, 0.82, 0.83, 0.84], 2),
             case("a tie is not an improvement", [0.8, 0.7, 0.7, 0.7, 0.6], 2)]
    if hidden:
        cases += [case("a tie is not an improvement", [0.5, 0.5, 0.4, 0.3], 1),
                  case("the best epoch is the first", [0.3, 0.4, 0.5, 0.6, 0.7], 2),
                  case("noisy losses", [0.9, 0.7, 0.75, 0.8, 0.72, 0.85, 0.65, 0.6], 3),
                  case("noisy losses, min_delta", [2.0, 1.5, 1.45, 1.2, 1.19, 1.3, 1.18, 1.4], 3, 0.02)]
    return cases


def _early_stopping_change(min_delta=None, patience=0):
    def change(case):
        losses, old_patience, old_delta, seed = case.args
        if (min_delta is not None and old_delta == min_delta) or old_patience + patience < 1:
            return None
        return case.replace(losses, old_patience + patience,
                            old_delta if min_delta is None else min_delta, seed)
    return change


_EARLY_STOPPING_PROBES = (
    Probe("min-delta-ignored", "Your stopping behaves as if min_delta were 0: an epoch improves "
          "only when value < best - min_delta, so a smaller gain counts as no improvement.",
          _early_stopping_change(min_delta=0.0)),
    Probe("patience-plus-one", "You stop one epoch late, as nnlib would with patience + 1: stop "
          "as soon as the count of epochs without improvement reaches patience (>=, counted "
          "after the epoch that did not improve).", _early_stopping_change(patience=1)),
    Probe("patience-minus-one", "You stop one epoch early, as nnlib would with patience - 1: "
          "the count starts at 0 after an improvement and training stops when it reaches "
          "patience.", _early_stopping_change(patience=-1)),
)


def _early_stopping_aspect(name, what, field):
    def observe(impl, case):
        stopped, weights = _run_early_stopping(impl, case, obey_stop=field == "stopped at epoch")
        return {"stopped at epoch": stopped, "weights after restore": weights}[field]

    return Aspect("EarlyStopping", name, what, _early_stopping_cases,
                  lambda impl, case: {field: observe(impl, case)},
                  lambda case: {field: observe(_ReferenceEarlyStopping, case)},
                  arguments=("losses", "patience", "min_delta", "seed"),
                  probes=_EARLY_STOPPING_PROBES if field == "stopped at epoch" else ())


register(
    Part("EarlyStopping", ASSIGNMENT, "Early stopping", CHAPTER, "regularization-early-stopping",
         "EarlyStopping(patience, min_delta).update(value, weights) / .restore(weights)"),
    _early_stopping_aspect("stop", "the epoch at which update() first returns True (the first "
                           "epoch is 0; -1 if it never does)", "stopped at epoch"),
    _early_stopping_aspect("restore", "the weights after restore() (those of the best epoch, "
                           "checked after running every epoch)",
                           "weights after restore"),
)

