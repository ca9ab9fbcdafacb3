"""Checks for the interview assignment's autograded questions: inference mode, a hand-built XOR
network and Adam's first step (chapter ``07_interview``; the written answers are graded by hand)."""
from __future__ import annotations

import numpy as np

from nnlib import data, layers, optim

from autograder.checks._build import function_aspect, randn
from autograder.checks._core import Aspect, Case, Part, ReturnProblem, register, unpack
from exercises.fundamentals.checks import linear_layer

ASSIGNMENT = "interview"
CHAPTER = "07_interview"


# --- predict ----------------------------------------------------------------------------------

def _trained_model(rng, d_in, dtype=np.float64):
    """A small model with batch norm and dropout whose running statistics have moved."""
    model = layers.Sequential(
        layers.Linear(d_in, 8, rng=rng, dtype=dtype), layers.BatchNorm1d(8, dtype=dtype),
        layers.ReLU(), layers.Dropout(0.5, rng=np.random.default_rng(int(rng.integers(2**31)))),
        layers.Linear(8, 2, rng=rng, dtype=dtype))
    for _ in range(20):  # "training": forward passes in training mode update the running statistics
        model(randn(rng, 16, d_in, scale=2.0, dtype=dtype) + 1.0)
    return model


def ref_predict(model, X):
    was_training = model.training
    model.eval()
    out = model(X)
    model.train(was_training)
    return out


def _predict_cases(rng, hidden):
    def case(label, n, training=True, dtype=np.float64):
        model = _trained_model(rng, 3, dtype)
        model.train(training)
        X = randn(rng, n, 3, dtype=dtype)
        mode = "training" if training else "evaluation"
        return Case(f"{label}: a Linear-BatchNorm1d-ReLU-Dropout-Linear model left in {mode} mode, "
                    f"X {X.shape}" + (", float32" if dtype == np.float32 else ""), (model, X),
                    float32=dtype == np.float32)

    cases = [case("a batch of 5 examples", 5), case("a single example", 1),
             case("a model already in evaluation mode", 4, False),
             case("a float32 model", 6, dtype=np.float32)]
    if hidden:
        cases += [case("a batch of 12 examples", 12)]
    return cases


def _predict_observe(impl, case):
    (model, X), _ = case.fresh_args()
    was_training = model.training
    before = [m.running_mean.copy() for m in model if isinstance(m, layers.BatchNorm1d)]
    out = impl(model, X)
    after = [m.running_mean for m in model if isinstance(m, layers.BatchNorm1d)]
    return {"output": out,
            "the model's mode afterwards is the mode it had before": model.training == was_training,
            "running statistics unchanged": all(np.array_equal(a, b) for a, b in zip(before, after))}


def _predict_aspect(name, what, fields):
    def observe(impl, case):
        values = _predict_observe(impl, case)
        return {f: values[f] for f in fields}

    return Aspect("predict", name, what, _predict_cases, observe,
                  lambda case: observe(ref_predict, case))


register(
    Part("predict", ASSIGNMENT, "Predicting with a trained model", CHAPTER,
         "interview-pitfall-batchnorm-mode",
         "predict(model, X)"),
    _predict_aspect("output", "the predictions", ("output",)),
    _predict_aspect("mode", "what predicting leaves behind (the model's mode, its running statistics)",
                    ("the model's mode afterwards is the mode it had before",
                     "running statistics unchanged")),
)


# --- xor_network ------------------------------------------------------------------------------

def _xor_predictions(weights, X):
    W1, b1, W2, b2 = (np.asarray(w, dtype=np.float64) for w in weights)
    if W1.ndim != 2 or W1.shape[0] != 2 or b1.shape != (W1.shape[1],) or \
            W2.shape != (W1.shape[1], 1) or b2.shape != (1,):
        raise ReturnProblem(
            "xor_network should return W1 (2, h), b1 (h,), W2 (h, 1), b2 (1,); got shapes "
            f"{W1.shape}, {b1.shape}, {W2.shape}, {b2.shape}")
    net = layers.Sequential(linear_layer(W1, b1), layers.ReLU(), linear_layer(W2, b2))
    return (net(X)[:, 0] > 0.5).astype(np.int64)


#: How far each coordinate of a corner may move and keep its class (the task's margin).
XOR_MARGIN = 0.05


def _xor_cases(rng, hidden):
    corners, _ = data.xor()
    diagonals = XOR_MARGIN * np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    cases = [Case("the four corners (0, 0), (0, 1), (1, 0), (1, 1)", (corners,)),
             Case(f"the four corners in turn, each moved by {XOR_MARGIN} along both coordinates "
                  "in the four diagonal directions (+, +), (+, -), (-, +), (-, -): 16 inputs",
                  ((corners[:, None, :] + diagonals[None, :, :]).reshape(-1, 2),))]
    if hidden:
        moves = rng.uniform(-XOR_MARGIN, XOR_MARGIN, (len(corners), 3, 2))
        cases.append(Case(f"the four corners in turn, each moved three times by random amounts "
                          f"up to {XOR_MARGIN} along each coordinate: 12 inputs",
                          ((corners[:, None, :] + moves).reshape(-1, 2),)))
    return cases


def _xor_labels(case):
    """XOR of the nearest corner: moving an input by up to the margin keeps its class."""
    (X,), _ = case.fresh_args()
    corner = np.round(X).astype(np.int64)
    return {"predictions (output > 0.5)": corner[:, 0] ^ corner[:, 1]}


def _xor_observe(impl, case):
    (X,), _ = case.fresh_args()
    weights = unpack(impl(), ("W1", "b1", "W2", "b2"), "xor_network")
    return {"predictions (output > 0.5)": _xor_predictions(weights, X)}


register(
    Part("xor_network", ASSIGNMENT, "A network that computes XOR, by hand", "01_fundamentals",
         "fundamentals-xor", "xor_network()"),
    Aspect("xor_network", "predictions", "the network's predictions on XOR", _xor_cases,
           _xor_observe, _xor_labels),
)


# --- adam_first_step_ratio --------------------------------------------------------------------

def ref_adam_first_step_ratio(beta1, beta2):
    """The uncorrected first step over the corrected one, from nnlib's first Adam moments."""
    g = np.ones(1)
    corrected, m, v = optim.adam_update(np.zeros(1), g, np.zeros(1), np.zeros(1), 1, lr=1.0,
                                        beta1=beta1, beta2=beta2, eps=0.0)
    uncorrected = m / np.sqrt(v)
    return float(uncorrected[0] / -corrected[0])


def _ratio_cases(rng, hidden):
    pairs = [(0.9, 0.999), (0.9, 0.99), (0.0, 0.999)]
    if hidden:
        pairs += [(0.5, 0.5), (0.95, 0.9999)]
    return [Case(f"beta1 = {b1}, beta2 = {b2}", (b1, b2)) for b1, b2 in pairs]


register(
    Part("adam_first_step_ratio", ASSIGNMENT, "Adam's first step without bias correction", CHAPTER,
         "interview-pitfall-adam-bias-correction", "adam_first_step_ratio(beta1, beta2)"),
    function_aspect("adam_first_step_ratio", "ratio",
                    "the size of the uncorrected first step relative to the corrected one",
                    _ratio_cases, ref_adam_first_step_ratio, ("ratio",)),
)

