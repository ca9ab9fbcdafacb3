r"""Transformer layers: LayerNorm and (self-)MultiHeadAttention, on sequences ``(N, T, D)``.

Both are importable from :mod:`nnlib.layers`, like every layer. They build on
:class:`nnlib.layers.Linear`, which takes ``(N, ..., D)`` inputs, so this module imports
``nnlib.layers``; ``nnlib.layers`` re-exports these names at its end, after ``Linear`` exists.
"""
from __future__ import annotations

import math

import numpy as np

from nnlib._validate import (
    check_dtype_matches,
    check_float_dtype,
    check_ndim,
    float_array,
    positive,
    positive_int,
)
from nnlib.layers import Linear, Softmax, _check_grad
from nnlib.module import Module, Parameter


class LayerNorm(Module):
    r"""Layer normalization over the last axis: each position is normalized on its own.

    For each row :math:`x` of length :math:`D` (the last axis),
    :math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}` with the row's mean :math:`\mu` and
    *biased* variance :math:`\sigma^2 = \frac1D\sum_i (x_i - \mu)^2`, and the output is
    :math:`\gamma \odot \hat x + \beta`. Unlike batch norm there are no running statistics and no
    train/eval difference: nothing depends on the rest of the batch. Backward, with
    :math:`\hat G = G \odot \gamma` and sums over the last axis:

    .. math:: \frac{\partial L}{\partial x} = \frac{1}{D\sqrt{\sigma^2+\epsilon}}
              \left(D\hat G - \textstyle\sum_i \hat G_i - \hat x \sum_i \hat G_i \hat x_i\right),
              \quad \frac{\partial L}{\partial \gamma} = \sum_{\text{rows}} G \odot \hat x,
              \quad \frac{\partial L}{\partial \beta} = \textstyle\sum_{\text{rows}} G

    Shapes: ``x`` (N, ..., D) -> same shape; ``weight`` (:math:`\gamma`, ones) and ``bias``
    (:math:`\beta`, zeros) are Parameters of shape (D,), as ``torch.nn.LayerNorm(D)``.
    """

    def __init__(self, normalized_shape, eps=1e-5, dtype=np.float64):
        self.normalized_shape = positive_int(normalized_shape, "normalized_shape")
        self.eps = positive(eps, "eps")
        self.dtype = check_float_dtype(dtype)
        self.weight = Parameter(np.ones(self.normalized_shape, dtype=self.dtype))
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype=self.dtype))
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        if x.ndim < 1 or x.shape[-1] != self.normalized_shape:
            raise ValueError(
                f"LayerNorm({self.normalized_shape}) expects x of shape (..., "
                f"{self.normalized_shape}), got {x.shape}"
            )
        check_dtype_matches(x, "x", self.dtype, "LayerNorm")
        centered = x - x.mean(axis=-1, keepdims=True)
        var = np.mean(centered * centered, axis=-1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centered * inv_std
        self._cache = (x_hat, inv_std)
        return x_hat * self.weight.data + self.bias.data

    def backward(self, grad_out):
        expected = None if self._cache is None else self._cache[0].shape
        grad_out = _check_grad(self, grad_out, expected)
        x_hat, inv_std = self._cache
        d = self.normalized_shape
        self.weight.grad += np.sum((grad_out * x_hat).reshape(-1, d), axis=0)
        self.bias.grad += np.sum(grad_out.reshape(-1, d), axis=0)
        grad_x_hat = grad_out * self.weight.data
        return (inv_std / d) * (
            d * grad_x_hat
            - grad_x_hat.sum(axis=-1, keepdims=True)
            - x_hat * np.sum(grad_x_hat * x_hat, axis=-1, keepdims=True)
        )

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"


class MultiHeadAttention(Module):
    r"""Multi-head self-attention: every position of a sequence reads from every other.

    With :math:`Q = XW_q + b_q`, :math:`K = XW_k + b_k`, :math:`V = XW_v + b_v` split along
    features into :math:`H` heads of width :math:`d = D/H`, each head computes

    .. math:: A = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt d}\right), \qquad O = AV,

    (with ``causal=True``, the scores of positions :math:`j > i` are :math:`-\infty` before the
    softmax, so position :math:`i` sees only itself and the past); the heads' outputs are
    concatenated back to width :math:`D` and projected, :math:`Y = OW_o + b_o`. Backward, per
    head, with :math:`G_O = \partial L/\partial O`:

    .. math:: \frac{\partial L}{\partial V} = A^\top G_O, \quad
              G_A = G_O V^\top, \quad
              G_S = A \odot \left(G_A - \textstyle\sum_j (G_A \odot A)_{:j}\right), \quad
              \frac{\partial L}{\partial Q} = \frac{G_S K}{\sqrt d}, \quad
              \frac{\partial L}{\partial K} = \frac{G_S^\top Q}{\sqrt d}

    and :math:`\partial L/\partial X` is the sum of what the three input projections return.

    Shapes: ``x`` (N, T, D) -> (N, T, D). ``q_proj``, ``k_proj``, ``v_proj``, ``out_proj`` are
    ``Linear(D, D)`` (weights (in, out)); ``attention_weights`` is :math:`A` of the last forward,
    (N, H, T, T). Equals ``torch.nn.MultiheadAttention(D, H, batch_first=True)`` with
    ``in_proj_weight = [Wq.T; Wk.T; Wv.T]``, ``in_proj_bias = [bq; bk; bv]``,
    ``out_proj.weight = Wo.T`` and, for ``causal``,
    ``attn_mask = torch.triu(torch.ones(T, T), diagonal=1).bool()`` (True = hidden).

    Args:
        rng: a ``np.random.Generator`` for the projections' initial weights (Xavier uniform,
            as PyTorch's in-projection; None: unseeded).
    """

    def __init__(self, embed_dim, num_heads, causal=False, bias=True, rng=None,
                 dtype=np.float64):
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        self.num_heads = positive_int(num_heads, "num_heads")
        if self.embed_dim % self.num_heads != 0:
            raise ValueError(
                f"embed_dim must be divisible by num_heads, got embed_dim={self.embed_dim} and "
                f"num_heads={self.num_heads}"
            )
        self.head_dim = self.embed_dim // self.num_heads
        self.causal = bool(causal)
        self.dtype = check_float_dtype(dtype)
        d = self.embed_dim
        self.q_proj = Linear(d, d, bias=bias, init="xavier", rng=rng, dtype=dtype)
        self.k_proj = Linear(d, d, bias=bias, init="xavier", rng=rng, dtype=dtype)
        self.v_proj = Linear(d, d, bias=bias, init="xavier", rng=rng, dtype=dtype)
        self.out_proj = Linear(d, d, bias=bias, init="xavier", rng=rng, dtype=dtype)
        self.softmax = Softmax(axis=-1)  # over the keys; its backward is softmax's Jacobian
        self.attention_weights = None
        self._cache = None

    def _split_heads(self, x):
        """(N, T, D) -> (N, H, T, d)."""
        n, t, _ = x.shape
        return x.reshape(n, t, self.num_heads, self.head_dim).transpose(0, 2, 1, 3)

    def _merge_heads(self, x):
        """(N, H, T, d) -> (N, T, D)."""
        n, _, t, _ = x.shape
        return x.transpose(0, 2, 1, 3).reshape(n, t, self.embed_dim)

    def forward(self, x):
        x = float_array(x, "x")
        check_ndim(x, "x", 3, "(batch, time, embed_dim)")
        if x.shape[2] != self.embed_dim:
            raise ValueError(
                f"MultiHeadAttention({self.embed_dim}, {self.num_heads}) expects x of shape "
                f"(batch, time, {self.embed_dim}), got {x.shape}"
            )
        check_dtype_matches(x, "x", self.dtype, "MultiHeadAttention")
        q = self._split_heads(self.q_proj(x))
        k = self._split_heads(self.k_proj(x))
        v = self._split_heads(self.v_proj(x))
        scale = 1.0 / math.sqrt(self.head_dim)
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale
        if self.causal:
            t = x.shape[1]
            future = np.triu(np.ones((t, t), dtype=bool), k=1)  # True where j > i
            scores = np.where(future, -np.inf, scores)
        weights = self.softmax(scores)  # the diagonal is never masked: no row all -inf
        self.attention_weights = weights
        self._cache = (q, k, v, weights)
        return self.out_proj(self._merge_heads(weights @ v))

    def backward(self, grad_out):
        expected = None if self._cache is None else self.attention_weights.shape[:1] + (
            self.attention_weights.shape[2], self.embed_dim)
        grad_out = _check_grad(self, grad_out, expected)
        q, k, v, weights = self._cache
        scale = 1.0 / math.sqrt(self.head_dim)
        grad_heads = self._split_heads(self.out_proj.backward(grad_out))
        grad_v = weights.transpose(0, 1, 3, 2) @ grad_heads
        grad_weights = grad_heads @ v.transpose(0, 1, 3, 2)
        # Masked entries have weight 0, so their score gradient is 0 too.
        grad_scores = self.softmax.backward(grad_weights)
        grad_q = (grad_scores @ k) * scale
        grad_k = (grad_scores.transpose(0, 1, 3, 2) @ q) * scale
        return (self.q_proj.backward(self._merge_heads(grad_q))
                + self.k_proj.backward(self._merge_heads(grad_k))
                + self.v_proj.backward(self._merge_heads(grad_v)))

    def extra_repr(self):
        return f"{self.embed_dim}, num_heads={self.num_heads}, causal={self.causal}"


__all__ = ["LayerNorm", "MultiHeadAttention"]
