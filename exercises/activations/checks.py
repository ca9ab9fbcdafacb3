"""Checks for the activations assignment: sigmoid, the derivatives of the common activations,
GELU and softmax (chapter ``03_activations``)."""
from __future__ import annotations

import numpy as np

from nnlib import activations as act

from autograder.checks._build import function_aspect, randn
from autograder.checks._core import Case, Part, Probe, register

ASSIGNMENT = "activations"
CHAPTER = "03_activations"


def _elementwise_cases(rng, hidden, kinks=True):
    """Random arrays plus the edge cases every elementwise function must handle."""
    def case(label, x, **kwargs):
        x = np.asarray(x)
        dtype = ", float32" if x.dtype == np.float32 else ""
        return Case(f"{label} (shape {x.shape}{dtype})", (x,), kwargs, float32=x.dtype == np.float32)

    cases = [case("random inputs", randn(rng, 4, 5, scale=3.0))]
    if kinks:
        cases.append(case("inputs that include exact zeros", np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])))
    cases += [case("all zeros", np.zeros((2, 3))),
              case("inputs of magnitude 1 to 30", np.array([-30.0, -10.0, -1.0, 1.0, 10.0, 30.0])),
              case("float32 inputs", randn(rng, 3, 4, scale=3.0, dtype=np.float32))]
    if hidden:
        cases += [case("random inputs", randn(rng, 7, scale=4.0)),
                  case("a batch of one", randn(rng, 1, 6))]
    return cases


def _with_slope(cases_fn):
    """Elementwise cases with a ``negative_slope`` keyword (and one case with the default)."""
    def cases(rng, hidden):
        found = []
        for index, c in enumerate(cases_fn(rng, hidden)):
            if index == 0:
                found.append(Case(c.label + ", default negative_slope", c.args, float32=c.float32))
            else:
                slope = 0.2 if index % 2 else 0.05
                found.append(Case(c.label + f", negative_slope = {slope}", c.args,
                                  {"negative_slope": slope}, float32=c.float32))
        return found
    return cases


def _large_cases(rng, hidden):
    values = [-1000.0, -100.0, -40.0, -5.0, 0.0, 5.0, 40.0, 100.0, 1000.0]
    cases = [Case(f"x = {values}", (np.array(values),)),
             Case("float32 inputs [-100, -50, 50, 100]",
                  (np.array([-100.0, -50.0, 50.0, 100.0], np.float32),), float32=True)]
    if hidden:
        big = randn(rng, 3, 4, scale=500.0)
        cases += [Case("random inputs of magnitude about 500", (big,)),
                  Case("float32 inputs [-120, -90, 70, 110]",
                       (np.array([-120.0, -90.0, 70.0, 110.0], np.float32),), float32=True)]
    return cases


def _elementwise_part(name, title, anchor, reference, what, cases=_elementwise_cases):
    register(Part(name, ASSIGNMENT, title, CHAPTER, anchor, f"{name}(x)"),
             function_aspect(name, "values", what, cases, reference, ("result",)))


register(
    Part("sigmoid", ASSIGNMENT, "A numerically stable sigmoid", CHAPTER, "activations-sigmoid",
         "sigmoid(x)"),
    function_aspect("sigmoid", "values", "the sigmoid's values", _elementwise_cases, act.sigmoid,
                    ("result",)),
    function_aspect("sigmoid", "large_inputs",
                    "the sigmoid at large |x| (no overflow warnings, no nan)", _large_cases,
                    act.sigmoid, ("result",), stable=True),
)
_elementwise_part("sigmoid_derivative", "The sigmoid's derivative", "activations-sigmoid",
                  act.sigmoid_derivative, "the derivative of the sigmoid")
_elementwise_part("tanh_derivative", "The derivative of tanh", "activations-tanh",
                  act.tanh_derivative, "the derivative of tanh")
_elementwise_part("relu_derivative", "The derivative of ReLU", "activations-relu",
                  act.relu_derivative, "the derivative of ReLU (0 at x = 0)")
register(
    Part("leaky_relu_derivative", ASSIGNMENT, "The derivative of leaky ReLU", CHAPTER,
         "activations-leaky-relu", "leaky_relu_derivative(x, negative_slope)"),
    function_aspect("leaky_relu_derivative", "values",
                    "the derivative of leaky ReLU (negative_slope at x = 0)",
                    _with_slope(_elementwise_cases), act.leaky_relu_derivative, ("result",)),
)
_elementwise_part("gelu", "GELU, exactly", "activations-gelu", act.gelu,
                  "the exact GELU x * Phi(x)")
_elementwise_part("gelu_derivative", "The derivative of GELU", "activations-gelu",
                  act.gelu_derivative, "the derivative of the exact GELU")


# --- softmax ----------------------------------------------------------------------------------

def _softmax_cases(rng, hidden):
    def case(label, x):
        dtype = ", float32" if x.dtype == np.float32 else ""
        return Case(f"{label} (shape {x.shape}{dtype})", (x,), float32=x.dtype == np.float32)

    cases = [case("a random batch of scores, one row per example", randn(rng, 4, 3, scale=2.0)),
             case("a single row of scores", randn(rng, 1, 5)),
             case("all-zero scores", np.zeros((3, 4))),
             case("float32 scores", randn(rng, 3, 4, scale=2.0, dtype=np.float32)),
             case("a 1-D vector of scores", randn(rng, 5))]
    if hidden:
        cases += [case("a 1-D vector of scores", randn(rng, 6)),
                  case("equal scores in a row", np.full((2, 5), 3.0)),
                  case("a random batch", randn(rng, 8, 10, scale=3.0))]
    return cases


#: Normalizing over the batch (axis 0) is nnlib's softmax of the transpose, transposed back.
_SOFTMAX_OTHER_AXIS = Probe(
    "other-axis", "Your probabilities sum to 1 down each column (over the batch) instead of "
    "along each row: compute the max, the exponentials' sum and the division along the last "
    "axis (axis=-1, keepdims=True), one distribution per example.",
    lambda case: (case.replace(case.args[0].T) if case.args[0].ndim == 2
                  and case.args[0].shape[0] > 1 else None),
    lambda out: {"probabilities": out["probabilities"].T})


def _large_softmax_cases(rng, hidden):
    x = np.array([[1000.0, 0.0, -1000.0], [500.0, 501.0, 499.0]])
    far = np.array([[1000.0, 999.0, 998.0], [-1000.0, -999.0, -1001.0]])
    cases = [Case("scores [[1000, 0, -1000], [500, 501, 499]]", (x,)),
             Case("rows far apart: [[1000, 999, 998], [-1000, -999, -1001]]", (far,)),
             Case("float32 scores [[100, 0, -100]]",
                  (np.array([[100.0, 0.0, -100.0]], np.float32),), float32=True)]
    if hidden:
        cases += [Case("random scores of magnitude about 800", (randn(rng, 4, 6, scale=800.0),)),
                  Case("float32 scores [[120, 10, -90]]",
                       (np.array([[120.0, 10.0, -90.0]], np.float32),), float32=True)]
    return cases


register(
    Part("softmax", ASSIGNMENT, "A numerically stable softmax", CHAPTER, "activations-softmax",
         "softmax(x)"),
    function_aspect("softmax", "values", "the softmax along the last axis", _softmax_cases,
                    act.softmax, ("probabilities",), probes=(_SOFTMAX_OTHER_AXIS,)),
    function_aspect("softmax", "large_inputs", "the softmax of large scores (numerical stability)",
                    _large_softmax_cases, act.softmax, ("probabilities",), stable=True),
)
