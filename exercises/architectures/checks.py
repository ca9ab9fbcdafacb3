"""Checks for the architectures assignment: a residual block, a dense block, scaled dot-product
attention, layer normalization, multi-head self-attention and a 2-D convolution (chapter
``06_architectures``).

Every aspect's cases come in named *kinds* (float32, a batch of one, huge values, stride 2...):
the self-check runs one case of every kind, the grading runs every kind again with fresh values
(see :func:`each_kind`), so a green self-check leaves no kind of case to lose points on.
Every part must also leave its arguments as they were (function parts: ``function_aspect``'s
default; the blocks check their ``x`` and ``grad_out`` themselves).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from nnlib import layers
from nnlib.activations import softmax

from autograder.checks._build import function_aspect, randn, shapes
from autograder.checks._core import (Aspect, Case, Part, ReturnProblem, describe, register,
                                     unmodified)

ASSIGNMENT = "architectures"
CHAPTER = "06_architectures"


# --- what every part here shares ----------------------------------------------------------------

def each_kind(*kinds: tuple[str, Callable]) -> Callable:
    """An aspect's ``cases``: one case of every kind for the self-check, two fresh ones of every
    kind for the grading.

    ``kinds`` are ``(kind, build)`` pairs; ``build(rng)`` returns ``(details, args, kwargs,
    float32)`` and the case's label is ``"<kind>: <details>"``. Hidden cases therefore differ from
    the visible ones only in their values, never in their kind.
    """
    def cases(rng, hidden):
        found = []
        for _ in range(2 if hidden else 1):
            for kind, build in kinds:
                details, args, kwargs, float32 = build(rng)
                found.append(Case(f"{kind}: {details}", args, kwargs, float32=float32))
        return found
    return cases


def kind_of(case: Case) -> str:
    """The kind of a case built by :func:`each_kind` (its label up to the first colon)."""
    return case.label.split(":", 1)[0]


def _float(dtype) -> str:
    return ", float32" if dtype == np.float32 else ""


# --- Residual ---------------------------------------------------------------------------------

def _module_aspect(part, name, what, cases, reference_class, backward: bool):
    """An aspect of a class wrapping nnlib modules: construct it, run forward (and backward).

    A case's args are ``(modules, x, grad_out)``; ``modules`` (a list of nnlib modules) is passed
    to the class as positional arguments. Backward observes the input gradient and the
    gradients accumulated in every module's parameters. ``x`` and ``grad_out`` must come back
    unchanged from forward and backward.
    """
    def run(cls, case):
        (modules, x, grad_out), _ = case.fresh_args()
        block = cls(*modules)
        x_before = x.copy()
        out = block.forward(x)
        unmodified(f"{part}.forward", ("x",), ((x_before,), {}), ((x,), {}))
        if not backward:
            return {"output": out}
        if not isinstance(out, np.ndarray) or out.shape != grad_out.shape:
            raise ReturnProblem(f"forward should return an array of shape {grad_out.shape}, got "
                                f"{describe(out)}")
        grad_before = grad_out.copy()
        grad_x = block.backward(grad_out)
        unmodified(f"{part}.backward", ("grad_out",), ((grad_before,), {}), ((grad_out,), {}))
        grads = [p.grad for m in modules for p in m.parameters()]
        return {"grad_x": grad_x, "parameter gradients (every layer, in order)": grads}

    return Aspect(part, name, what, cases, run, lambda case: run(reference_class, case))


def _branch(rng, d, hidden, dtype=np.float64):
    return layers.Sequential(layers.Linear(d, hidden, rng=rng, dtype=dtype), layers.ReLU(),
                             layers.Linear(hidden, d, rng=rng, dtype=dtype))


def _residual_kind(n, d, h, dtype=np.float64, scale=1.0):
    def build(rng):
        x = randn(rng, n, d, scale=scale, dtype=dtype)
        grad_out = randn(rng, n, d, dtype=dtype)
        return (f"x {x.shape}, block Linear({d}, {h}) -> ReLU -> Linear({h}, {d})"
                + _float(dtype), ([_branch(rng, d, h, dtype)], x, grad_out), {},
                dtype == np.float32)
    return build


_residual_cases = each_kind(
    ("a random batch", _residual_kind(5, 4, 6)),
    ("a wider block", _residual_kind(5, 3, 16)),
    ("a batch of one", _residual_kind(1, 5, 4)),
    ("inputs of magnitude about 1000", _residual_kind(4, 3, 5, scale=1000.0)),
    ("float32", _residual_kind(4, 4, 4, dtype=np.float32)),
)

register(
    Part("Residual", ASSIGNMENT, "A residual block", CHAPTER, "architectures-residual",
         "Residual(block).forward(x) / .backward(grad_out)"),
    _module_aspect("Residual", "forward", "the forward pass y = x + F(x)", _residual_cases,
                   layers.Residual, backward=False),
    _module_aspect("Residual", "backward",
                   "the backward pass (input and block parameter gradients)",
                   _residual_cases, layers.Residual, backward=True),
)


# --- DenseBlock -------------------------------------------------------------------------------

def _dense_kind(n, d, growth, k, dtype=np.float64, scale=1.0):
    def build(rng):
        modules = [layers.Sequential(layers.Linear(d + i * growth, growth, rng=rng, dtype=dtype),
                                     layers.ReLU()) for i in range(k)]
        x = randn(rng, n, d, scale=scale, dtype=dtype)
        grad_out = randn(rng, n, d + k * growth, dtype=dtype)
        return (f"x {x.shape}, {k} layer{'s' if k > 1 else ''} (each Linear -> ReLU) with growth "
                f"rate {growth}" + _float(dtype), (modules, x, grad_out), {}, dtype == np.float32)
    return build


_dense_cases = each_kind(
    ("a random batch", _dense_kind(4, 3, 2, 3)),
    ("a faster-growing block", _dense_kind(5, 2, 3, 2)),
    ("a single layer", _dense_kind(3, 4, 2, 1)),
    ("a batch of one", _dense_kind(1, 3, 2, 4)),
    ("inputs of magnitude about 1000", _dense_kind(3, 2, 2, 2, scale=1000.0)),
    ("float32", _dense_kind(4, 3, 2, 3, dtype=np.float32)),
)

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


def _widths_kind(low_k, high_k, smallest=False):
    def build(rng):
        a, g = (1, 1) if smallest else (int(v) for v in rng.integers(2, 65, size=2))
        k = int(rng.integers(low_k, high_k + 1))
        return (f"in_features = {a}, growth_rate = {g}, num_layers = {k}", (a, g, k), {}, False)
    return build


register(
    Part("dense_block_widths", ASSIGNMENT, "How wide a dense block gets", CHAPTER,
         "architectures-dense", "dense_block_widths(in_features, growth_rate, num_layers)"),
    function_aspect("dense_block_widths", "widths",
                    "each layer's input width and the block's output width",
                    each_kind(("several layers", _widths_kind(3, 8)),
                              ("a single layer", _widths_kind(1, 1)),
                              ("one input feature, growth rate 1", _widths_kind(2, 5, True))),
                    ref_dense_block_widths, ("input_widths", "output_width")),
)


# --- attention --------------------------------------------------------------------------------

def ref_attention(Q, K, V, mask=None):
    scores = Q @ K.T / np.sqrt(Q.shape[1]).astype(Q.dtype)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return weights @ V, weights


def _attention_kind(n_q, n_k, d, d_v, scale=1.0, dtype=np.float64, mask=None):
    def build(rng):
        Q = randn(rng, n_q, d, scale=scale, dtype=dtype)
        K = randn(rng, n_k, d, scale=scale, dtype=dtype)
        V = randn(rng, n_k, d_v, dtype=dtype)
        kwargs = {}
        if mask == "causal":
            kwargs["mask"] = np.tril(np.ones((n_q, n_k), dtype=bool))
        elif mask == "random":
            allowed = rng.random((n_q, n_k)) < 0.6
            allowed[np.arange(n_q), rng.integers(0, n_k, n_q)] = True  # one key per row
            kwargs["mask"] = allowed
        return shapes(Q=Q, K=K, V=V), (Q, K, V), kwargs, dtype == np.float32
    return build


def _attention_kinds(mask=None):
    """The kinds of attention case; with a mask ("causal" or "random"), named after it."""
    named = "" if mask is None else f", a {mask} mask"
    return [
        ("random queries and keys" + named, _attention_kind(3, 5, 4, 2, mask=mask)),
        ("as many queries as keys" + named, _attention_kind(4, 4, 8, 3, mask=mask)),
        ("a single query" + named, _attention_kind(1, 6, 4, 2, mask=mask)),
        ("one-dimensional keys (d = 1)" + named, _attention_kind(4, 3, 1, 2, mask=mask)),
        ("huge queries and keys (magnitude about 100)" + named,
         _attention_kind(3, 4, 16, 2, scale=100.0, mask=mask)),
        ("many keys" + named, _attention_kind(5, 40, 8, 4, mask=mask)),
        ("float32" + named, _attention_kind(3, 5, 4, 2, dtype=np.float32, mask=mask)),
    ]


_ATTENTION = ("output", "weights")
register(
    Part("attention", ASSIGNMENT, "Scaled dot-product attention", CHAPTER,
         "architectures-attention",
         "attention(Q, K, V, mask=None)"),
    function_aspect("attention", "weights", "the attention weights", each_kind(*_attention_kinds()),
                   ref_attention, _ATTENTION, ("weights",)),
    function_aspect("attention", "output", "the output (the weighted average of the values)",
                   each_kind(*_attention_kinds()), ref_attention, _ATTENTION, ("output",)),
    function_aspect("attention", "mask", "the weights and output with a mask",
                   each_kind(*_attention_kinds("causal"), *_attention_kinds("random")[:3]),
                   ref_attention, _ATTENTION, None),
)


# --- layer_norm_forward and layer_norm_backward -------------------------------------------------

def _layer_norm(gamma, beta, eps):
    layer = layers.LayerNorm(gamma.shape[0], eps=eps, dtype=gamma.dtype)
    layer.weight.data[...] = gamma
    layer.bias.data[...] = beta
    return layer


def ref_layer_norm_forward(x, gamma, beta, eps=1e-5):
    return _layer_norm(gamma, beta, eps)(x)


def ref_layer_norm_backward(grad_out, x, gamma, eps=1e-5):
    layer = _layer_norm(gamma, np.zeros_like(gamma), eps)
    layer(x)
    grad_x = layer.backward(grad_out)
    return grad_x, layer.weight.grad, layer.bias.grad


def _layer_norm_kind(shape, scale=1.0, shift=0.0, dtype=np.float64, eps=None, zeros=False,
                     backward=False):
    """x of ``shape`` (entries shift + scale * N(0, 1), or zeros), gamma and beta of its last
    axis; ``eps`` None means the default (not passed)."""
    def build(rng):
        d = shape[-1]
        x = (np.zeros(shape, dtype) if zeros
             else (shift + scale * rng.standard_normal(shape)).astype(dtype))
        gamma = rng.uniform(0.5, 2.0, d).astype(dtype)
        beta = randn(rng, d, dtype=dtype)
        kwargs = {} if eps is None else {"eps": eps}
        eps_text = f", eps = {eps:g}" if eps is not None else ""
        if backward:
            grad_out = randn(rng, *shape, dtype=dtype)
            return (shapes(grad_out=grad_out, x=x, gamma=gamma) + eps_text + ", a random upstream "
                    "gradient", (grad_out, x, gamma), kwargs, dtype == np.float32)
        return (shapes(x=x, gamma=gamma, beta=beta) + eps_text, (x, gamma, beta), kwargs,
                dtype == np.float32)
    return build


def _layer_norm_cases(backward):
    def kind(*args, **kwargs):
        return _layer_norm_kind(*args, backward=backward, **kwargs)

    return each_kind(
        ("a random batch of rows", kind((4, 5), scale=2.0, shift=1.0)),
        ("a batch of sequences (N, T, D)", kind((2, 3, 4), scale=1.5, shift=-0.5)),
        ("a batch of one", kind((1, 6), scale=3.0)),
        ("a larger eps", kind((3, 5), scale=0.1, eps=0.01)),
        ("tiny values (spread about 0.001: the variance is close to eps)",
         kind((3, 4), scale=1e-3)),
        ("huge values (around 5000, spread about 1000)", kind((3, 4), scale=1e3, shift=5e3)),
        ("all zeros (the variance is 0)", kind((2, 5), zeros=True)),
        ("float32", kind((2, 3, 6), scale=2.0, shift=1.0, dtype=np.float32)),
    )


register(
    Part("layer_norm_forward", ASSIGNMENT, "Layer normalization: the forward pass", CHAPTER,
         "architectures-layer-norm", "layer_norm_forward(x, gamma, beta, eps=1e-5)"),
    function_aspect("layer_norm_forward", "values",
                   "the normalized output gamma * (x - mean) / sqrt(var + eps) + beta",
                   _layer_norm_cases(False), ref_layer_norm_forward, ("out",), None),
)

_LN_BACKWARD = ("grad_x", "grad_gamma", "grad_beta")
register(
    Part("layer_norm_backward", ASSIGNMENT, "Layer normalization: the backward pass", CHAPTER,
         "architectures-layer-norm", "layer_norm_backward(grad_out, x, gamma, eps=1e-5)"),
    function_aspect("layer_norm_backward", "param_grads", "the gradients of gamma and beta",
                   _layer_norm_cases(True), ref_layer_norm_backward, _LN_BACKWARD,
                   ("grad_gamma", "grad_beta")),
    function_aspect("layer_norm_backward", "grad_x", "the gradient with respect to x",
                   _layer_norm_cases(True), ref_layer_norm_backward, _LN_BACKWARD, ("grad_x",),
                   tolerances={"grad_x": (1e-5, 1e-8)}),
)


# --- multi_head_attention ---------------------------------------------------------------------

def ref_multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
    d = x.shape[-1]
    layer = layers.MultiHeadAttention(d, num_heads, causal=causal, bias=False, dtype=x.dtype)
    for projection, weight in zip((layer.q_proj, layer.k_proj, layer.v_proj, layer.out_proj),
                                  (W_q, W_k, W_v, W_o)):
        projection.weight.data[...] = weight
    out = layer(x)
    return out, layer.attention_weights


def _mha_kind(n, t, d, heads, causal, scale=1.0, dtype=np.float64, zeros=False):
    def build(rng):
        x = np.zeros((n, t, d), dtype) if zeros else randn(rng, n, t, d, scale=scale, dtype=dtype)
        bound = (3.0 / d) ** 0.5  # uniform weights of variance 1/d: scores of variance about 1
        W_q, W_k, W_v, W_o = (rng.uniform(-bound, bound, (d, d)).astype(dtype) for _ in range(4))
        kwargs = {"causal": True} if causal else {}
        return (f"{shapes(x=x)}, W_q W_k W_v W_o ({d}, {d}), num_heads = {heads}"
                + (", causal = True" if causal else ""),
                (x, W_q, W_k, W_v, W_o, heads), kwargs, dtype == np.float32)
    return build


def _mha_cases(causal):
    return each_kind(
        ("a random batch of sequences", _mha_kind(2, 4, 8, 2, causal)),
        ("four heads", _mha_kind(2, 5, 8, 4, causal)),
        ("a single head", _mha_kind(2, 3, 6, 1, causal)),
        ("a batch of one", _mha_kind(1, 6, 6, 3, causal)),
        ("a sequence of length one", _mha_kind(3, 1, 4, 2, causal)),
        ("huge inputs (magnitude about 100: scores in the thousands)",
         _mha_kind(2, 4, 8, 2, causal, scale=100.0)),
        ("tiny inputs (magnitude about 0.001)", _mha_kind(2, 4, 8, 2, causal, scale=1e-3)),
        ("all-zero inputs (every score 0)", _mha_kind(1, 3, 4, 2, causal, zeros=True)),
        ("float32", _mha_kind(2, 4, 8, 2, causal, dtype=np.float32)),
    )


_MHA = ("output", "weights")
register(
    Part("multi_head_attention", ASSIGNMENT, "Multi-head self-attention", CHAPTER,
         "architectures-multi-head",
         "multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False)"),
    function_aspect("multi_head_attention", "weights",
                   "the attention weights, one (T, T) map per example and head",
                   _mha_cases(False), ref_multi_head_attention, _MHA, ("weights",)),
    function_aspect("multi_head_attention", "output",
                   "the output (heads concatenated, then projected by W_o)", _mha_cases(False),
                   ref_multi_head_attention, _MHA, ("output",)),
    function_aspect("multi_head_attention", "causal",
                   "the weights and output with the causal mask", _mha_cases(True),
                   ref_multi_head_attention, _MHA, None),
)


# --- conv2d_forward and conv2d_backward --------------------------------------------------------

def _conv2d(weight, stride, padding):
    out_channels, in_channels, kh, kw = weight.shape
    layer = layers.Conv2d(in_channels, out_channels, (kh, kw), stride=stride, padding=padding,
                          dtype=weight.dtype)
    layer.weight.data[...] = weight
    return layer


def ref_conv2d_forward(x, weight, bias, stride=1, padding=0):
    layer = _conv2d(weight, stride, padding)
    layer.bias.data[...] = bias
    return layer(x)


def ref_conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    layer = _conv2d(weight, stride, padding)
    layer(x)
    grad_x = layer.backward(grad_out)
    return grad_x, layer.weight.grad, layer.bias.grad


def _conv_kind(n, c, hw, o, k, stride=1, padding=0, scale=1.0, dtype=np.float64, zeros=False,
               backward=False):
    """x (n, c, *hw), a weight (o, c, *k) and a bias (o,); stride and padding passed only when
    they are not the defaults."""
    def build(rng):
        x = (np.zeros((n, c, *hw), dtype) if zeros
             else randn(rng, n, c, *hw, scale=scale, dtype=dtype))
        weight = randn(rng, o, c, *k, scale=(c * k[0] * k[1]) ** -0.5, dtype=dtype)
        kwargs = {}
        if stride != 1:
            kwargs["stride"] = stride
        if padding != 0:
            kwargs["padding"] = padding
        settings = f", stride = {stride}, padding = {padding}"
        if backward:
            h_out = (hw[0] + 2 * padding - k[0]) // stride + 1
            w_out = (hw[1] + 2 * padding - k[1]) // stride + 1
            grad_out = randn(rng, n, o, h_out, w_out, dtype=dtype)
            return (shapes(grad_out=grad_out, x=x, weight=weight) + settings,
                    (grad_out, x, weight), kwargs, dtype == np.float32)
        bias = randn(rng, o, dtype=dtype)
        return (shapes(x=x, weight=weight, bias=bias) + settings, (x, weight, bias), kwargs,
                dtype == np.float32)
    return build


def _conv_plain_cases(backward):
    def kind(*args, **kwargs):
        return _conv_kind(*args, backward=backward, **kwargs)

    return each_kind(
        ("a random batch of images", kind(2, 3, (6, 5), 4, (3, 3))),
        ("a kernel that is not square", kind(2, 2, (5, 7), 3, (2, 3))),
        ("a 1x1 kernel", kind(2, 3, (4, 4), 2, (1, 1))),
        ("a batch of one", kind(1, 2, (5, 5), 3, (3, 3))),
        ("one channel in, one out", kind(3, 1, (4, 6), 1, (2, 2))),
        ("the kernel as large as the image", kind(2, 2, (3, 3), 2, (3, 3))),
        ("huge values (magnitude about 1000)", kind(2, 2, (5, 5), 2, (3, 3), scale=1e3)),
        ("all-zero images", kind(2, 2, (4, 4), 3, (3, 3), zeros=True)),
        ("float32", kind(2, 3, (6, 5), 4, (3, 3), dtype=np.float32)),
    )


def _conv_stride_padding_cases(backward):
    def kind(*args, **kwargs):
        return _conv_kind(*args, backward=backward, **kwargs)

    return each_kind(
        ("stride 2", kind(2, 2, (7, 7), 3, (3, 3), stride=2)),
        ("padding 1", kind(2, 3, (5, 4), 2, (3, 3), padding=1)),
        ("stride 2 and padding 1, the last row and column left over",
         kind(2, 2, (6, 8), 3, (3, 3), stride=2, padding=1)),
        ("stride 3 and padding 2, a kernel that is not square",
         kind(1, 2, (7, 6), 2, (2, 3), stride=3, padding=2)),
        ("a batch of one, padding 2", kind(1, 1, (4, 4), 2, (3, 3), padding=2)),
        ("float32, stride 2 and padding 1",
         kind(2, 3, (6, 6), 4, (3, 3), stride=2, padding=1, dtype=np.float32)),
    )


def _conv_all_cases(backward):
    plain, strided = _conv_plain_cases(backward), _conv_stride_padding_cases(backward)
    return lambda rng, hidden: plain(rng, hidden) + strided(rng, hidden)


register(
    Part("conv2d_forward", ASSIGNMENT, "A 2-D convolution: the forward pass", CHAPTER,
         "architectures-convolution", "conv2d_forward(x, weight, bias, stride=1, padding=0)"),
    function_aspect("conv2d_forward", "values", "the output with stride 1 and no padding",
                   _conv_plain_cases(False), ref_conv2d_forward, ("out",), None),
    function_aspect("conv2d_forward", "stride_padding", "the output with a stride and padding",
                   _conv_stride_padding_cases(False), ref_conv2d_forward, ("out",), None),
)

_CONV_BACKWARD = ("grad_x", "grad_weight", "grad_bias")
register(
    Part("conv2d_backward", ASSIGNMENT, "A 2-D convolution: the backward pass", CHAPTER,
         "architectures-convolution-backward",
         "conv2d_backward(grad_out, x, weight, stride=1, padding=0)"),
    function_aspect("conv2d_backward", "param_grads", "the gradients of the weight and the bias",
                   _conv_all_cases(True), ref_conv2d_backward, _CONV_BACKWARD,
                   ("grad_weight", "grad_bias")),
    function_aspect("conv2d_backward", "grad_x", "the gradient with respect to x",
                   _conv_all_cases(True), ref_conv2d_backward, _CONV_BACKWARD, ("grad_x",)),
)
