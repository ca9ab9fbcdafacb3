"""Checks for the architectures assignment: a residual block, a dense block and scaled
dot-product attention (chapter ``06_architectures``)."""
from __future__ import annotations

import numpy as np

from nnlib import layers
from nnlib.activations import softmax

from autograder.checks._build import function_aspect, randn, shapes
from autograder.checks._core import Aspect, Case, Part, ReturnProblem, describe, register

ASSIGNMENT = "architectures"
CHAPTER = "06_architectures"


def _module_aspect(part, name, what, cases, reference_class, backward: bool):
    """An aspect of a class wrapping nnlib modules: construct it, run forward (and backward).

    A case's args are ``(modules, x, grad_out)``; ``modules`` (a list of nnlib modules) is passed
    to the class as positional arguments. Backward observes the input gradient and the
    gradients accumulated in every module's parameters.
    """
    def run(cls, case):
        (modules, x, grad_out), _ = case.fresh_args()
        block = cls(*modules)
        out = block.forward(x)
        if not backward:
            return {"output": out}
        if not isinstance(out, np.ndarray) or out.shape != grad_out.shape:
            raise ReturnProblem(f"forward should return an array of shape {grad_out.shape}, got "
                                f"{describe(out)}")
        grad_x = block.backward(grad_out)
        grads = [p.grad for m in modules for p in m.parameters()]
        return {"grad_x": grad_x, "parameter gradients (every layer, in order)": grads}

    return Aspect(part, name, what, cases, run, lambda case: run(reference_class, case))


# --- Residual ---------------------------------------------------------------------------------

def _branch(rng, d, hidden, dtype=np.float64):
    return layers.Sequential(layers.Linear(d, hidden, rng=rng, dtype=dtype), layers.ReLU(),
                             layers.Linear(hidden, d, rng=rng, dtype=dtype))


def _residual_cases(rng, hidden):
    def case(label, n, d, h, dtype=np.float64, scale=1.0):
        x = randn(rng, n, d, scale=scale, dtype=dtype)
        grad_out = randn(rng, n, d, dtype=dtype)
        return Case(f"{label}: x {x.shape}, block Linear({d}, {h}) -> ReLU -> Linear({h}, {d})"
                    + (", float32" if dtype == np.float32 else ""),
                    ([_branch(rng, d, h, dtype)], x, grad_out), float32=dtype == np.float32)

    cases = [case("a random batch", 5, 4, 6), case("a random batch", 3, 2, 3)]
    if hidden:
        cases += [case("a batch of one", 1, 5, 4), case("a wider block", 8, 6, 16),
                  case("inputs of magnitude about 100", 4, 3, 5, scale=100.0),
                  case("float32", 4, 4, 4, dtype=np.float32)]
    return cases


register(
    Part("Residual", ASSIGNMENT, "A residual block", CHAPTER, "architectures-residual",
         "Residual(block).forward(x) / .backward(grad_out)"),
    _module_aspect("Residual", "forward", "the forward pass y = x + F(x)", _residual_cases,
                   layers.Residual, backward=False),
    _module_aspect("Residual", "backward", "the backward pass (input and block parameter gradients)",
                   _residual_cases, layers.Residual, backward=True),
)


# --- DenseBlock -------------------------------------------------------------------------------

def _dense_cases(rng, hidden):
    def case(label, n, d, growth, k, dtype=np.float64, scale=1.0):
        modules = [layers.Sequential(layers.Linear(d + i * growth, growth, rng=rng, dtype=dtype),
                                     layers.ReLU()) for i in range(k)]
        x = randn(rng, n, d, scale=scale, dtype=dtype)
        grad_out = randn(rng, n, d + k * growth, dtype=dtype)
        return Case(f"{label}: x {x.shape}, {k} layers (each Linear -> ReLU) with growth rate {growth}"
                    + (", float32" if dtype == np.float32 else ""),
                    (modules, x, grad_out), float32=dtype == np.float32)

    cases = [case("a random batch", 4, 3, 2, 3), case("a random batch", 5, 2, 3, 2)]
    if hidden:
        cases += [case("a single layer", 3, 4, 2, 1), case("a batch of one", 1, 3, 2, 4),
                  case("inputs of magnitude about 100", 3, 2, 2, 2, scale=100.0),
                  case("float32", 4, 3, 2, 3, dtype=np.float32)]
    return cases


register(
    Part("DenseBlock", ASSIGNMENT, "A dense (DenseNet) block", CHAPTER, "architectures-dense",
         "DenseBlock(*layers).forward(x) / .backward(grad_out)"),
    _module_aspect("DenseBlock", "forward", "the forward pass (the concatenation [x, h1, ..., hk])",
                   _dense_cases, layers.DenseBlock, backward=False),
    _module_aspect("DenseBlock", "backward",
                   "the backward pass (input and every layer's parameter gradients)",
                   _dense_cases, layers.DenseBlock, backward=True),
)


# --- dense_block_widths -----------------------------------------------------------------------

def ref_dense_block_widths(in_features, growth_rate, num_layers):
    """Read the widths off an nnlib DenseBlock built with these sizes."""
    linears = [layers.Linear(in_features + i * growth_rate, growth_rate) for i in range(num_layers)]
    block = layers.DenseBlock(*linears)
    out = block(np.zeros((1, in_features)))
    return [layer.in_features for layer in linears], int(out.shape[1])


def _widths_cases(rng, hidden):
    sizes = [(3, 2, 4), (64, 32, 6)]
    if hidden:
        sizes += [(1, 1, 1), (10, 12, 1), tuple(int(v) for v in rng.integers(1, 40, size=3))]
    return [Case(f"in_features = {a}, growth_rate = {g}, num_layers = {k}", (a, g, k))
            for a, g, k in sizes]


register(
    Part("dense_block_widths", ASSIGNMENT, "How wide a dense block gets", CHAPTER,
         "architectures-dense", "dense_block_widths(in_features, growth_rate, num_layers)"),
    function_aspect("dense_block_widths", "widths",
                    "each layer's input width and the block's output width", _widths_cases,
                    ref_dense_block_widths, ("input_widths", "output_width")),
)


# --- attention --------------------------------------------------------------------------------

def ref_attention(Q, K, V, mask=None):
    scores = Q @ K.T / np.sqrt(Q.shape[1]).astype(Q.dtype)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return weights @ V, weights


def _attention_cases(masked):
    def cases(rng, hidden):
        def case(label, n_q, n_k, d, d_v, scale=1.0, dtype=np.float64, mask=None):
            Q, K = randn(rng, n_q, d, scale=scale, dtype=dtype), randn(rng, n_k, d, scale=scale, dtype=dtype)
            V = randn(rng, n_k, d_v, dtype=dtype)
            kwargs = {}
            if masked:
                if mask == "causal":
                    kwargs["mask"] = np.tril(np.ones((n_q, n_k), dtype=bool))
                else:
                    allowed = rng.random((n_q, n_k)) < 0.6
                    allowed[np.arange(n_q), rng.integers(0, n_k, n_q)] = True  # one key per row
                    kwargs["mask"] = allowed
                label += f", a {'causal' if mask == 'causal' else 'random'} mask"
            return Case(f"{label}: {shapes(Q=Q, K=K, V=V)}", (Q, K, V), kwargs,
                        float32=dtype == np.float32)

        found = [case("random queries and keys", 3, 5, 4, 2, mask="causal" if masked else None),
                 case("random queries and keys", 4, 4, 8, 3, mask="causal")]
        if hidden:
            found += [case("a single query", 1, 6, 4, 2),
                      case("one-dimensional keys (d = 1)", 4, 3, 1, 2),
                      case("large scores (magnitude about 30)", 3, 4, 16, 2, scale=30.0),
                      case("many keys", 5, 40, 8, 4),
                      case("float32", 3, 5, 4, 2, dtype=np.float32)]
        return found
    return cases


_ATTENTION = ("output", "weights")
register(
    Part("attention", ASSIGNMENT, "Scaled dot-product attention", CHAPTER, "architectures-attention",
         "attention(Q, K, V, mask=None)"),
    function_aspect("attention", "weights", "the attention weights", _attention_cases(False),
                    ref_attention, _ATTENTION, ("weights",)),
    function_aspect("attention", "output", "the output (the weighted average of the values)",
                    _attention_cases(False), ref_attention, _ATTENTION, ("output",)),
    function_aspect("attention", "mask", "the weights and output with a mask",
                    _attention_cases(True), ref_attention, _ATTENTION),
)
