"""Checks for the backpropagation assignment: a layer's backward pass, a two-layer network,
numerical gradients, gradient clipping and initialization (chapter ``02_backpropagation``)."""
from __future__ import annotations

import numpy as np

from nnlib import gradcheck, init, layers, losses, optim

from autograder.checks._build import function_aspect, randn, shapes
from autograder.checks._core import Aspect, Case, Part, ReturnProblem, describe, register, unpack
from exercises.fundamentals.checks import linear_layer

ASSIGNMENT = "backpropagation"
CHAPTER = "02_backpropagation"


# --- linear_backward --------------------------------------------------------------------------

def ref_linear_backward(X, W, grad_out):
    layer = linear_layer(W, np.zeros(W.shape[1], W.dtype))
    layer(X)
    grad_X = layer.backward(grad_out)
    return grad_X, layer.weight.grad, layer.bias.grad


def _linear_backward_cases(rng, hidden):
    def case(label, n, d_in, d_out, scale=1.0, dtype=np.float64, zero_grad=False):
        X = randn(rng, n, d_in, scale=scale, dtype=dtype)
        W = randn(rng, d_in, d_out, dtype=dtype)
        G = np.zeros((n, d_out), dtype) if zero_grad else randn(rng, n, d_out, dtype=dtype)
        return Case(f"{label}: {shapes(X=X, W=W, grad_out=G)}", (X, W, G),
                    float32=dtype == np.float32)

    cases = [case("a random batch, square W", 4, 3, 3), case("a random batch", 5, 3, 2),
             case("a batch of one", 1, 4, 3), case("float32 arrays", 5, 4, 4, dtype=np.float32),
             case("inputs of magnitude about 1000", 3, 2, 5, scale=1e3),
             case("an all-zero upstream gradient", 3, 3, 2, zero_grad=True)]
    if hidden:
        cases += [case("a larger batch", 16, 6, 4)]
    return cases


_LINEAR_RETURNS = ("grad_X", "grad_W", "grad_b")
register(
    Part("linear_backward", ASSIGNMENT, "The backward pass of a Linear layer", CHAPTER,
         "backprop-layer", "linear_backward(X, W, grad_out)"),
    function_aspect("linear_backward", "grad_W", "the gradient with respect to W",
                    _linear_backward_cases, ref_linear_backward, _LINEAR_RETURNS, ("grad_W",)),
    function_aspect("linear_backward", "grad_b", "the gradient with respect to b",
                    _linear_backward_cases, ref_linear_backward, _LINEAR_RETURNS, ("grad_b",)),
    function_aspect("linear_backward", "grad_X", "the gradient with respect to X",
                    _linear_backward_cases, ref_linear_backward, _LINEAR_RETURNS, ("grad_X",)),
)


# --- two_layer_backward -----------------------------------------------------------------------

def ref_two_layer_backward(X, y, W1, b1, W2, b2):
    net = layers.Sequential(linear_layer(W1, b1), layers.ReLU(), linear_layer(W2, b2))
    loss = losses.BCEWithLogitsLoss()
    value = loss(net(X), y)
    net.backward(loss.backward())
    grads = {"W1": net[0].weight.grad, "b1": net[0].bias.grad,
             "W2": net[2].weight.grad, "b2": net[2].bias.grad}
    return (np.float32(value) if X.dtype == np.float32 else value), grads


def _two_layer_observer(fields):
    def observe(impl, case):
        args, kwargs = case.fresh_args()
        loss, grads = unpack(impl(*args, **kwargs), ("loss", "grads"), "two_layer_backward")
        if not isinstance(grads, dict) or not {"W1", "b1", "W2", "b2"} <= set(grads):
            raise ReturnProblem("two_layer_backward should return (loss, grads) with grads a dict "
                                f"with keys 'W1', 'b1', 'W2', 'b2'; grads is {describe(grads)}")
        values = {"loss": loss, **{f"grads['{k}']": grads[k] for k in ("W1", "b1", "W2", "b2")}}
        return {f: values[f] for f in fields}

    def expect(case):
        loss, grads = ref_two_layer_backward(*case.fresh_args()[0])
        values = {"loss": loss, **{f"grads['{k}']": v for k, v in grads.items()}}
        return {f: values[f] for f in fields}

    return observe, expect


def _two_layer_cases(rng, hidden):
    def case(label, n, d_in, d_hidden, dtype=np.float64, scale=1.0):
        X = randn(rng, n, d_in, scale=scale, dtype=dtype)
        y = rng.integers(0, 2, size=(n, 1)).astype(dtype)
        if n > 1:  # both classes, whatever the draw
            y[:2, 0] = (0.0, 1.0)
        W1 = randn(rng, d_in, d_hidden, dtype=dtype)
        b1 = randn(rng, d_hidden, scale=0.5, dtype=dtype)
        W2 = randn(rng, d_hidden, 1, dtype=dtype)
        b2 = randn(rng, 1, scale=0.5, dtype=dtype)
        return Case(f"{label}: {shapes(X=X, y=y, W1=W1, W2=W2)}", (X, y, W1, b1, W2, b2),
                    float32=dtype == np.float32)

    cases = [case("a random batch", 6, 3, 4), case("a random batch, square W1", 5, 4, 4),
             case("a batch of one", 1, 3, 5), case("float32 arrays", 6, 3, 4, dtype=np.float32),
             case("inputs of magnitude about 100 (a saturated output)", 4, 2, 3, scale=100.0)]
    if hidden:
        cases += [case("a larger batch", 20, 5, 8)]
    return cases


_OUTPUT_FIELDS = ("loss", "grads['W2']", "grads['b2']")
_HIDDEN_FIELDS = ("grads['W1']", "grads['b1']")
register(
    Part("two_layer_backward", ASSIGNMENT, "Backpropagation through a two-layer network", CHAPTER,
         "backprop-two-layer", "two_layer_backward(X, y, W1, b1, W2, b2)"),
    Aspect("two_layer_backward", "output_layer", "the loss and the output layer's gradients",
           _two_layer_cases, *_two_layer_observer(_OUTPUT_FIELDS)),
    Aspect("two_layer_backward", "hidden_layer", "the hidden layer's gradients (W1 and b1)",
           _two_layer_cases, *_two_layer_observer(_HIDDEN_FIELDS)),
)


# --- numerical_gradient -----------------------------------------------------------------------

def wavy(x):
    """A smooth test function with curvature everywhere: sum(sin(3x) * x^2)."""
    return float(np.sum(np.sin(3.0 * x) * x * x))


class LayerLoss:
    """The mean squared error of a fixed Linear layer's output, as a function of its input."""

    def __init__(self, rng, d_in, d_out, n):
        self.layer = layers.Linear(d_in, d_out, rng=rng)
        self.target = rng.standard_normal((n, d_out))

    def __call__(self, x):
        return losses.MSELoss()(self.layer(x), self.target)


def _numgrad_cases(rng, hidden):
    def case(label, f, x, eps):
        return Case(f"{label}: x {x.shape}, eps = {eps:g}", (f, x), {"eps": eps})

    cases = [case("f(x) = sum(sin(3x) x^2)", wavy, randn(rng, 3, 4), 1e-4),
             case("the mean squared error of a Linear layer's output, as a function of its input",
                  LayerLoss(rng, 3, 2, 4), randn(rng, 4, 3), 1e-6),
             case("the loss of a Linear layer, a batch of one", LayerLoss(rng, 5, 3, 1),
                  randn(rng, 1, 5), 1e-5)]
    if hidden:
        cases += [case("f(x) = sum(sin(3x) x^2), a vector", wavy, randn(rng, 7, scale=2.0), 1e-4),
                  case("f(x) = sum(sin(3x) x^2), a single entry", wavy, randn(rng, 1, 1), 1e-4)]
    return cases


def _numgrad_observer(field):
    def observe(impl, case):
        (f, x), kwargs = case.fresh_args()
        grad = impl(f, x, **kwargs)
        return {"gradient": grad, "x after the call": x}[field]

    def observe_dict(impl, case):
        return {field: observe(impl, case)}

    def expect(case):
        (f, x), kwargs = case.fresh_args()
        grad = gradcheck.numerical_gradient(f, x, **kwargs)
        return {field: {"gradient": grad, "x after the call": x}[field]}

    return observe_dict, expect


register(
    Part("numerical_gradient", ASSIGNMENT, "Numerical gradients by central differences", CHAPTER,
         "backprop-gradient-checking", "numerical_gradient(f, x, eps)"),
    Aspect("numerical_gradient", "accuracy", "the numerical gradient", _numgrad_cases,
           *_numgrad_observer("gradient")),
    Aspect("numerical_gradient", "restores_x", "x after the call (it must be left unchanged)",
           _numgrad_cases, *_numgrad_observer("x after the call")),
)


# --- clip_grad_norm ---------------------------------------------------------------------------

def ref_clip_grad_norm(grads, max_norm):
    params = [layers.Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads):
        p.grad[...] = g
    total = optim.clip_grad_norm(params, max_norm)
    return [p.grad for p in params], total


def _clip_cases(rng, hidden):
    def case(label, grads, max_norm, dtype=np.float64):
        grads = [np.asarray(g, dtype) for g in grads]
        norm = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads))
        return Case(f"{label}: gradients of shapes {[g.shape for g in grads]} with global norm "
                    f"{norm:.4g}, max_norm = {max_norm}", (grads, max_norm),
                    float32=dtype == np.float32)

    cases = [case("gradients larger than max_norm (clipped)",
                  [randn(rng, 3, 2, scale=3.0), randn(rng, 2, scale=0.5), randn(rng, 2, 1, scale=4.0)], 1.0),
             case("gradients smaller than max_norm (unchanged)",
                  [randn(rng, 2, 2, scale=0.1), randn(rng, 2, scale=0.1)], 5.0),
             case("a single huge gradient", [randn(rng, 4, 4, scale=1e6)], 2.0),
             case("all-zero gradients", [np.zeros((2, 3)), np.zeros(3)], 1.0),
             case("float32 gradients", [randn(rng, 3, 3, scale=5.0), randn(rng, 3)], 1.5,
                  dtype=np.float32),
             case("tiny gradients (left unchanged)", [randn(rng, 3, 2, scale=1e-4)], 1.0)]
    if hidden:
        cases += [case("unequal layers (one tiny, one large)",
                       [randn(rng, 5, 5, scale=1e-3), randn(rng, 5, 2, scale=10.0)], 3.0)]
    return cases


register(
    Part("clip_grad_norm", ASSIGNMENT, "Gradient clipping by the global norm", CHAPTER,
         "backprop-gradient-clipping", "clip_grad_norm(grads, max_norm)"),
    function_aspect("clip_grad_norm", "norm", "the global norm it returns", _clip_cases,
                    ref_clip_grad_norm, ("clipped", "total_norm"), ("total_norm",)),
    function_aspect("clip_grad_norm", "clipped", "the clipped gradients", _clip_cases,
                    ref_clip_grad_norm, ("clipped", "total_norm"), ("clipped",),
                    tolerances={"clipped": (1e-5, 1e-9)}),
)


# --- initializers -----------------------------------------------------------------------------

def _statistics(W, with_max: bool) -> dict:
    """Statistics of a weight matrix that identify its distribution, whatever the draw order."""
    if not isinstance(W, np.ndarray):
        raise ReturnProblem(f"expected a numpy array of weights, got {describe(W)}")
    W64 = W.astype(np.float64)
    std = float(W64.std())
    stats = {"shape": tuple(W.shape), "dtype": str(W.dtype),
             "mean / std": float(W64.mean()) / std if std > 0 else float("nan"),
             "std": std,
             "fraction beyond 2 std": float(np.mean(np.abs(W64) > 2 * std))}
    if with_max:
        stats["largest |w|"] = float(np.max(np.abs(W64)))
    return stats


_STAT_TOLERANCES = {"mean / std": (0.0, 0.03), "std": (0.03, 0.0),
                    "fraction beyond 2 std": (0.0, 0.01), "largest |w|": (0.02, 0.0)}


def _init_aspect(part, what, reference, with_max):
    def observe(impl, case):
        args, kwargs = case.fresh_args()
        return _statistics(impl(*args, rng=case.rng(), **kwargs), with_max)

    def expect(case):
        args, kwargs = case.fresh_args()
        return _statistics(reference(*args, rng=case.rng(), **kwargs), with_max)

    def cases(rng, hidden):
        sizes = [(300, 200), (50, 1000)]
        if hidden:
            sizes += [(1, 60000), (2000, 30), (256, 256)]
        found = [Case(f"fan_in = {a}, fan_out = {b}", (a, b), seed=int(rng.integers(2**31)))
                 for a, b in sizes]
        found.append(Case("fan_in = 400, fan_out = 300, dtype = np.float32", (400, 300),
                          {"dtype": np.float32}, float32=True, seed=int(rng.integers(2**31))))
        return found

    return Aspect(part, "distribution", what, cases, observe, expect, tolerances=_STAT_TOLERANCES)


register(
    Part("he_normal", ASSIGNMENT, "He (Kaiming) initialization", CHAPTER,
         "backprop-initialization", "he_normal(fan_in, fan_out, rng, dtype)"),
    _init_aspect("he_normal", "the distribution of the weights (shape, dtype, mean, spread, tails)",
                 init.he_normal, with_max=False),
)
register(
    Part("xavier_uniform", ASSIGNMENT, "Xavier (Glorot) initialization", CHAPTER,
         "backprop-initialization", "xavier_uniform(fan_in, fan_out, rng, dtype)"),
    _init_aspect("xavier_uniform",
                 "the distribution of the weights (shape, dtype, mean, spread, range)",
                 init.xavier_uniform, with_max=True),
)
