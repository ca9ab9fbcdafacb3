r"""A pre-norm Transformer block assembled from nnlib's layers, and what a sequence model around
it needs: learned position embeddings and a per-token cross-entropy.

Nothing here has a backward pass of its own that a learner has not already met:
:func:`transformer_block` is a :class:`~nnlib.layers.Sequential` of two
:class:`~nnlib.layers.Residual` connections around :class:`~nnlib.layers.LayerNorm`,
:class:`~nnlib.layers.MultiHeadAttention` and a two-layer MLP of
:class:`~nnlib.layers.Linear` layers, all on sequences ``(N, T, D)``.
"""
from __future__ import annotations

import numpy as np

from nnlib._validate import check_float_dtype, check_ndim, float_array, generator, positive_int
from nnlib.layers import (
    GELU,
    LayerNorm,
    Linear,
    MultiHeadAttention,
    Residual,
    Sequential,
    _check_grad,
)
from nnlib.losses import CrossEntropyLoss
from nnlib.module import Module, Parameter


def transformer_block(d_model, num_heads, d_hidden, causal=False, rng=None, dtype=np.float64):
    r"""A pre-norm Transformer block (Xiong et al., 2020), as GPT-2 and most models since:

    .. math:: H = X + \mathrm{MHA}(\mathrm{LN}_1(X)), \qquad
              Y = H + W_2\,\mathrm{GELU}(W_1\,\mathrm{LN}_2(H) + b_1) + b_2

    Shapes: (N, T, d_model) -> (N, T, d_model). The attention layer (for its
    ``attention_weights``) is ``block[0].block[1]``.
    """
    rng = generator(rng)
    attention = Sequential(LayerNorm(d_model, dtype=dtype),
                           MultiHeadAttention(d_model, num_heads, causal=causal, rng=rng,
                                              dtype=dtype))
    mlp = Sequential(LayerNorm(d_model, dtype=dtype), Linear(d_model, d_hidden, rng=rng, dtype=dtype),
                     GELU(), Linear(d_hidden, d_model, rng=rng, dtype=dtype))
    return Sequential(Residual(attention), Residual(mlp))


class PositionEmbedding(Module):
    r"""Add a learned vector per position, so that attention can tell positions apart.

    Self-attention treats its input as a set: permute the positions of ``x`` and its output is
    permuted the same way. Adding :math:`P_t` (row ``t`` of a learned (max_len, D) table) to
    position ``t`` breaks that symmetry. Backward: :math:`\partial L/\partial x = G` and
    :math:`\partial L/\partial P_t = \sum_n G_{n,t}`.

    Shapes: ``x`` (N, T, D) with T <= max_len -> same shape; ``weight`` (max_len, D), initially
    normal with standard deviation ``std``.
    """

    def __init__(self, max_len, d_model, std=0.02, rng=None, dtype=np.float64):
        self.max_len = positive_int(max_len, "max_len")
        self.d_model = positive_int(d_model, "d_model")
        self.dtype = check_float_dtype(dtype)
        table = std * generator(rng).standard_normal((self.max_len, self.d_model))
        self.weight = Parameter(table.astype(self.dtype))
        self._shape = None

    def forward(self, x):
        x = float_array(x, "x")
        check_ndim(x, "x", 3, "(batch, time, d_model)")
        if x.shape[1] > self.max_len or x.shape[2] != self.d_model:
            raise ValueError(
                f"PositionEmbedding({self.max_len}, {self.d_model}) expects x of shape "
                f"(batch, <= {self.max_len}, {self.d_model}), got {x.shape}"
            )
        self._shape = x.shape
        return x + self.weight.data[: x.shape[1]]

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, self._shape)
        self.weight.grad[: grad_out.shape[1]] += grad_out.sum(axis=0)
        return grad_out

    def extra_repr(self):
        return f"{self.max_len}, {self.d_model}"


class TokenCrossEntropyLoss(CrossEntropyLoss):
    r"""Cross-entropy for one prediction per position: logits (N, T, C), targets (N, T).

    The mean over all :math:`N T` tokens of :class:`~nnlib.losses.CrossEntropyLoss`: each
    position is one classification, so this reshapes to (N T, C) and back.
    """

    def forward(self, pred, target) -> float:
        logits = float_array(pred, "pred")
        check_ndim(logits, "pred", 3, "(batch, time, classes)")
        target = np.asarray(target)
        if target.shape != logits.shape[:2]:
            raise ValueError(
                f"target must have shape {logits.shape[:2]} to match pred {logits.shape}, "
                f"got {target.shape}"
            )
        self._shape = logits.shape
        return super().forward(logits.reshape(-1, logits.shape[2]), target.reshape(-1))

    def backward(self):
        return super().backward().reshape(self._shape)


def token_accuracy(scores, targets) -> float:
    """Fraction of positions whose argmax over the last axis is the target (any shape)."""
    return float(np.mean(np.argmax(scores, axis=-1) == np.asarray(targets)))


__all__ = ["transformer_block", "PositionEmbedding", "TokenCrossEntropyLoss", "token_accuracy"]
