"""Checks for the fundamentals assignment: a layer, a forward pass, parameters, the perceptron,
and the three losses (chapter ``01_fundamentals``)."""
from __future__ import annotations

import numpy as np

from nnlib import layers, losses

from autograder.checks._build import function_aspect, randn, shapes
from autograder.checks._core import Case, Part, register

ASSIGNMENT = "fundamentals"
CHAPTER = "01_fundamentals"


def linear_layer(W: np.ndarray, b: np.ndarray) -> layers.Linear:
    """An nnlib Linear layer holding copies of ``W`` (in, out) and ``b`` (out,)."""
    layer = layers.Linear(W.shape[0], W.shape[1], dtype=W.dtype)
    layer.weight.data[...] = W
    layer.bias.data[...] = b
    return layer


# --- linear_forward ---------------------------------------------------------------------------

def ref_linear_forward(X, W, b):
    return linear_layer(W, b)(X)


def _linear_case(rng, label, n, d_in, d_out, scale=1.0, dtype=np.float64, zero=None):
    X = randn(rng, n, d_in, scale=scale, dtype=dtype)
    W = randn(rng, d_in, d_out, dtype=dtype)
    b = randn(rng, d_out, dtype=dtype)
    if zero == "X":
        X = np.zeros_like(X)
    if zero == "W":
        W = np.zeros_like(W)
    return Case(f"{label}: {shapes(X=X, W=W, b=b)}", (X, W, b), float32=dtype == np.float32)


def _linear_values_cases(rng, hidden):
    cases = [_linear_case(rng, "a random batch", 4, 3, 3),
             _linear_case(rng, "a random batch", 5, 3, 2),
             _linear_case(rng, "inputs of magnitude about 1000", 6, 4, 4, scale=1e3),
             _linear_case(rng, "an all-zero input (the output is the bias)", 3, 4, 2, zero="X")]
    if hidden:
        cases += [_linear_case(rng, "a larger random batch", 16, 5, 7)]
    return cases


def _linear_edge_cases(rng, hidden):
    cases = [_linear_case(rng, "a batch of one example", 1, 3, 2),
             _linear_case(rng, "a float32 batch", 4, 3, 3, dtype=np.float32),
             _linear_case(rng, "all-zero weights", 3, 4, 4, zero="W")]
    if hidden:
        cases += [_linear_case(rng, "a batch of one example", 1, 6, 1),
                  _linear_case(rng, "a float32 batch of one", 1, 5, 3, dtype=np.float32)]
    return cases


register(
    Part("linear_forward", ASSIGNMENT, "A fully connected layer", CHAPTER,
         "fundamentals-forward-pass", "linear_forward(X, W, b)"),
    function_aspect("linear_forward", "values", "the layer's output", _linear_values_cases,
                    ref_linear_forward, ("Y",)),
    function_aspect("linear_forward", "edge_cases",
                    "the layer's output on a batch of one and in float32", _linear_edge_cases,
                    ref_linear_forward, ("Y",)),
)


# --- mlp_forward ------------------------------------------------------------------------------

def ref_mlp_forward(X, weights, biases):
    modules = []
    for index, (W, b) in enumerate(zip(weights, biases)):
        modules.append(linear_layer(W, b))
        if index < len(weights) - 1:
            modules.append(layers.ReLU())
    activations = [X]
    A = X
    for module in modules:
        A = module(A)
        if not isinstance(module, layers.Linear) or module is modules[-1]:
            activations.append(A)
    return A, activations


def _mlp_case(rng, label, n, sizes, dtype=np.float64, scale=1.0, zero_input=False):
    X = np.zeros((n, sizes[0]), dtype) if zero_input else randn(rng, n, sizes[0], scale=scale, dtype=dtype)
    weights = [randn(rng, a, b, scale=1 / np.sqrt(a), dtype=dtype) for a, b in zip(sizes, sizes[1:])]
    biases = [randn(rng, b, scale=0.5, dtype=dtype) for b in sizes[1:]]
    return Case(f"{label}: layer sizes {sizes}, X {X.shape}" + (", float32" if dtype == np.float32 else ""),
                (X, weights, biases), float32=dtype == np.float32)


def _mlp_cases(rng, hidden):
    cases = [_mlp_case(rng, "a 2-layer network", 5, [3, 4, 2]),
             _mlp_case(rng, "a 3-layer network", 4, [2, 5, 5, 3]),
             _mlp_case(rng, "a batch of one", 1, [3, 4, 2]),
             _mlp_case(rng, "a float32 network", 3, [4, 3, 2], dtype=np.float32),
             _mlp_case(rng, "an all-zero input", 2, [3, 4, 2], zero_input=True)]
    if hidden:
        cases += [_mlp_case(rng, "a 4-layer network", 8, [6, 8, 8, 4, 1]),
                  _mlp_case(rng, "a single layer (no hidden layer)", 4, [3, 2])]
    return cases


register(
    Part("mlp_forward", ASSIGNMENT, "The forward pass of a network", CHAPTER,
         "fundamentals-forward-pass", "mlp_forward(X, weights, biases)"),
    function_aspect("mlp_forward", "output", "the network's output", _mlp_cases,
                    ref_mlp_forward, ("output", "activations"), ("output",)),
    function_aspect("mlp_forward", "activations", "the list of activations [X, A1, ..., output]",
                    _mlp_cases, ref_mlp_forward, ("output", "activations"), ("activations",)),
)


# --- count_parameters -------------------------------------------------------------------------

def ref_count_parameters(layer_sizes):
    modules = [layers.Linear(a, b) for a, b in zip(layer_sizes, layer_sizes[1:])]
    return int(sum(p.data.size for p in layers.Sequential(*modules).parameters()))


def _count_cases(rng, hidden):
    sizes = [[3, 4, 4, 2], [2, 1]]
    if hidden:
        sizes += [[784, 128, 64, 10], [int(rng.integers(1, 50)) for _ in range(5)], [5]]
    return [Case(f"layer_sizes = {s}", (s,)) for s in sizes]


register(
    Part("count_parameters", ASSIGNMENT, "Counting parameters", CHAPTER,
         "fundamentals-architecture", "count_parameters(layer_sizes)"),
    function_aspect("count_parameters", "count", "the number of parameters", _count_cases,
                    ref_count_parameters, ("count",)),
)


# --- perceptron_step --------------------------------------------------------------------------

def ref_perceptron_step(w, b, x, y, lr):
    prediction = 1.0 if float(x @ w + b) > 0 else 0.0
    error = y - prediction
    return w + lr * error * x, float(b + lr * error)


def _perceptron_cases(rng, hidden):
    cases = []
    count = 8 if hidden else 4
    for i in range(count):
        w, x = randn(rng, 3), randn(rng, 3)
        b = float(rng.standard_normal())
        predicted = 1 if x @ w + b > 0 else 0
        y = predicted if i % 2 == 0 else 1 - predicted  # half right, half wrong
        kind = "a correctly classified example" if y == predicted else "a misclassified example"
        cases.append(Case(f"{kind} (y = {y}): {shapes(w=w, x=x)}", (w, b, x, y, 0.1)))
    w, x = np.array([1.0, -1.0]), np.array([2.0, 2.0])
    cases.append(Case("an example exactly on the boundary (z = 0, so the prediction is 0), y = 1",
                      (w, 0.0, x, 1, 0.5)))
    return cases


register(
    Part("perceptron_step", ASSIGNMENT, "The perceptron learning rule", CHAPTER,
         "fundamentals-perceptron", "perceptron_step(w, b, x, y, lr)"),
    function_aspect("perceptron_step", "update", "the updated weights and bias",
                    _perceptron_cases, ref_perceptron_step, ("w", "b")),
)


# --- losses -----------------------------------------------------------------------------------

def _loss_with_grad(loss, pred, target):
    value = loss(pred, target)
    grad = loss.backward()
    return (np.float32(value) if pred.dtype == np.float32 else value), grad


def ref_mse_loss(pred, target):
    return _loss_with_grad(losses.MSELoss(), pred, target)


def ref_bce_with_logits(logits, targets):
    return _loss_with_grad(losses.BCEWithLogitsLoss(), logits, targets)


def ref_cross_entropy(logits, labels):
    return _loss_with_grad(losses.CrossEntropyLoss(), logits, labels)


def _regression_cases(rng, hidden):
    def case(label, n, k, scale=1.0, dtype=np.float64, equal=False):
        pred = randn(rng, n, k, scale=scale, dtype=dtype)
        target = pred.copy() if equal else randn(rng, n, k, scale=scale, dtype=dtype)
        return Case(f"{label}: {shapes(pred=pred, target=target)}", (pred, target),
                    float32=dtype == np.float32)

    cases = [case("a random batch with 3 outputs", 4, 3), case("a random batch with one output", 5, 1),
             case("a batch of one with 4 outputs", 1, 4),
             case("values of magnitude about 10000", 6, 2, scale=1e4),
             case("a float32 batch", 5, 3, dtype=np.float32)]
    if hidden:
        cases += [case("a batch of one", 1, 1),
                  case("a perfect prediction (pred == target)", 3, 2, equal=True)]
    return cases


def _binary_cases(rng, hidden):
    def case(label, logits, dtype=np.float64):
        logits = np.asarray(logits, dtype=dtype)
        targets = rng.integers(0, 2, size=logits.shape).astype(dtype)
        if targets.size > 1:  # both classes, whatever the draw
            targets.flat[:2] = (0.0, 1.0)
        return Case(f"{label}: {shapes(logits=logits, targets=targets)}", (logits, targets),
                    float32=dtype == np.float32)

    cases = [case("random logits, one output per example", randn(rng, 6, 1, scale=2.0)),
             case("random logits, 3 outputs per example", randn(rng, 4, 3, scale=2.0)),
             case("a batch of one", randn(rng, 1, 1)),
             case("all-zero logits", np.zeros((4, 2))),
             case("float32 logits", randn(rng, 5, 2, scale=2.0), dtype=np.float32)]
    if hidden:
        cases += [case("random logits, 2 outputs per example", randn(rng, 7, 2, scale=2.0))]
    return cases


def _large_binary_cases(rng, hidden):
    def case(label, logits, targets, dtype=np.float64):
        logits, targets = np.asarray(logits, dtype), np.asarray(targets, dtype)
        return Case(f"{label}: logits {logits.ravel().tolist()}, targets {targets.ravel().tolist()}",
                    (logits, targets), float32=dtype == np.float32)

    cases = [case("large logits, confidently right and wrong", [[1000.0], [-1000.0], [40.0], [-40.0]],
                  [[1.0], [1.0], [0.0], [0.0]]),
             case("large float32 logits", [[100.0], [-100.0], [30.0]], [[0.0], [1.0], [1.0]],
                  dtype=np.float32),
             case("large logits, 2 outputs per example", [[-900.0, 900.0], [45.0, -45.0]],
                  [[1.0, 0.0], [1.0, 1.0]])]
    if hidden:
        cases += [case("large logits", [[800.0, -800.0], [50.0, -50.0]], [[0.0, 1.0], [1.0, 1.0]]),
                  case("large float32 logits", [[90.0], [-60.0], [35.0]], [[1.0], [1.0], [0.0]],
                       dtype=np.float32)]
    return cases


def _classification_cases(rng, hidden):
    def case(label, logits, dtype=np.float64):
        logits = np.asarray(logits, dtype=dtype)
        labels = rng.integers(0, logits.shape[1], size=logits.shape[0])
        return Case(f"{label}: logits {logits.shape}{', float32' if dtype == np.float32 else ''}, "
                    f"labels {labels.tolist()}", (logits, labels), float32=dtype == np.float32)

    cases = [case("a random batch of 4 examples, 3 classes", randn(rng, 4, 3, scale=2.0)),
             case("a random batch of 6 examples, 5 classes", randn(rng, 6, 5, scale=2.0)),
             case("a batch of one", randn(rng, 1, 4)),
             case("all-zero logits", np.zeros((3, 4))),
             case("float32 logits", randn(rng, 4, 3, scale=2.0), dtype=np.float32)]
    if hidden:
        cases += [case("two classes", randn(rng, 5, 2))]
    return cases


def _large_classification_cases(rng, hidden):
    logits = np.array([[1000.0, 0.0, -1000.0], [10.0, 800.0, 799.0]])
    cases = [Case("logits of magnitude 1000: [[1000, 0, -1000], [10, 800, 799]], labels [1, 2]",
                  (logits, np.array([1, 2]))),
             Case("float32 logits [[100, -100], [-100, 100]], labels [1, 1]",
                  (np.array([[100.0, -100.0], [-100.0, 100.0]], np.float32), np.array([1, 1])),
                  float32=True)]
    if hidden:
        big = randn(rng, 5, 4, scale=500.0)
        cases += [Case("random logits of magnitude about 500, a batch of 5",
                       (big, rng.integers(0, 4, size=5))),
                  Case("float32 logits [[90, -80], [-70, 60]], labels [0, 1]",
                       (np.array([[90.0, -80.0], [-70.0, 60.0]], np.float32), np.array([0, 1])),
                       float32=True)]
    return cases


register(
    Part("mse_loss", ASSIGNMENT, "Mean squared error", CHAPTER, "fundamentals-losses",
         "mse_loss(pred, target)"),
    function_aspect("mse_loss", "value", "the loss value", _regression_cases, ref_mse_loss,
                    ("loss", "grad"), ("loss",)),
    function_aspect("mse_loss", "gradient", "the gradient with respect to pred",
                    _regression_cases, ref_mse_loss, ("loss", "grad"), ("grad",)),
)

register(
    Part("bce_with_logits", ASSIGNMENT, "Binary cross-entropy from logits", CHAPTER,
         "fundamentals-logits", "bce_with_logits(logits, targets)"),
    function_aspect("bce_with_logits", "value", "the loss value", _binary_cases,
                    ref_bce_with_logits, ("loss", "grad"), ("loss",)),
    function_aspect("bce_with_logits", "gradient", "the gradient with respect to the logits",
                    _binary_cases, ref_bce_with_logits, ("loss", "grad"), ("grad",)),
    function_aspect("bce_with_logits", "large_logits",
                    "the loss and gradient for large logits (numerical stability)",
                    _large_binary_cases, ref_bce_with_logits, ("loss", "grad"), stable=True),
)

register(
    Part("cross_entropy", ASSIGNMENT, "Softmax cross-entropy", CHAPTER, "fundamentals-losses",
         "cross_entropy(logits, labels)"),
    function_aspect("cross_entropy", "value", "the loss value", _classification_cases,
                    ref_cross_entropy, ("loss", "grad"), ("loss",)),
    function_aspect("cross_entropy", "gradient", "the gradient with respect to the logits",
                    _classification_cases, ref_cross_entropy, ("loss", "grad"), ("grad",)),
    function_aspect("cross_entropy", "large_logits", "the loss for large logits (numerical stability)",
                    _large_classification_cases, ref_cross_entropy, ("loss", "grad"), ("loss",),
                    stable=True),
)
