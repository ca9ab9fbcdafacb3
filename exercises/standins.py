"""Plain copies of the nnlib classes that the assignments hand to learner code, for the
isolated run.

Some exercises give the learner nnlib objects: the residual and dense blocks wrap given
``Sequential(Linear, ReLU, ...)`` modules, ``predict`` receives a trained model with batch norm
and dropout, and ``numerical_gradient`` differentiates the loss of a given ``Linear`` layer
(each assignment's ``GIVEN`` says which). The isolated run that decides the points has no nnlib,
so that no part can delegate to it: the grader sends those objects as their state, and the run
rebuilds them as instances of these classes.

Why copies: ``nnlib/layers.py`` and ``nnlib/losses.py`` hold answers (a Linear layer's backward
pass is graded in the backpropagation assignment), so they cannot be shown to learner code.
What holds no answers is not copied: ``Parameter``, ``Module`` and ``Sequential`` come from
nnlib's own ``module.py``, and the input checks from its ``_validate.py``, both loaded from
nnlib's files by ``autograder.trusted.given``. These classes do the same arithmetic and raise the
same errors, word for word (a known mistake is recognised by the exception it raises), and
nothing more; ``tests/exercises/test_standins.py`` pins each of them to nnlib.
"""
from __future__ import annotations

import math

import numpy as np

from nnlib._validate import check_dtype_matches, check_ndim, float_array
from nnlib.module import Module, Parameter


def _check_grad(layer, grad_out, expected_shape):
    """nnlib.layers' check of a backward call's upstream gradient."""
    if expected_shape is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")
    grad_out = float_array(grad_out, "grad_out")
    if grad_out.shape != tuple(expected_shape):
        raise ValueError(f"{type(layer).__name__}.backward: grad_out must have the forward "
                         f"output's shape {tuple(expected_shape)}, got {grad_out.shape}")
    return grad_out


class Linear(Module):
    """Y = X W + b, for x of shape (N, ..., in_features); backward adds X^T G to W's gradient
    (every position a row of X), the column sums of G to b's, and returns G W^T. (Its initial weights are He-normal, as nnlib's default; the grader always
    sets them.)"""

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None,
                 dtype=np.float64):
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.dtype = np.dtype(dtype)
        scale = math.sqrt(2.0 / self.in_features)
        weights = np.random.default_rng(rng).standard_normal((self.in_features, self.out_features))
        self.weight = Parameter((scale * weights).astype(self.dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype=self.dtype)) if bias else None
        self._x = None

    def forward(self, x):
        x = float_array(x, "x")
        if x.ndim < 2:
            check_ndim(x, "x", 2, "(batch, in_features)")
        if x.shape[-1] != self.in_features:
            leading = "batch" if x.ndim == 2 else "batch, ..."
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) expects x of "
                             f"shape ({leading}, {self.in_features}), got {x.shape}")
        check_dtype_matches(x, "x", self.dtype, "Linear")
        self._x = x
        out = x @ self.weight.data
        if self.bias is not None:
            out += self.bias.data
        return out

    def backward(self, grad_out):
        expected = None if self._x is None else self._x.shape[:-1] + (self.out_features,)
        grad_out = _check_grad(self, grad_out, expected)
        x = self._x.reshape(-1, self.in_features)  # (N, ..., in) -> (rows, in)
        grad_rows = grad_out.reshape(-1, self.out_features)
        self.weight.grad += x.T @ grad_rows
        if self.bias is not None:
            self.bias.grad += grad_rows.sum(axis=0)
        if not self.needs_input_grad:
            return None
        return grad_out @ self.weight.data.T


class ReLU(Module):
    """max(0, x); backward passes the gradient where x > 0 (0 at the kink, as PyTorch)."""

    def __init__(self):
        self._x = None

    def forward(self, x):
        self._x = float_array(x, "x")
        return np.maximum(self._x, 0.0)

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, None if self._x is None else self._x.shape)
        return grad_out * (self._x > 0)


class Dropout(Module):
    """Inverted dropout with drop probability ``p``; the identity in evaluation mode."""

    def __init__(self, p=0.5, rng=None):
        self.p = float(p)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self._mask = None
        self._shape = None

    def forward(self, x):
        x = float_array(x, "x")
        self._shape = x.shape
        if not self.training or self.p == 0.0:
            self._mask = None
            return x.copy()
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self._mask = keep * np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._mask

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, self._shape)
        return grad_out.copy() if self._mask is None else grad_out * self._mask


class BatchNorm1d(Module):
    """PyTorch's batch normalization over (N, features), forward only: batch statistics in
    training (and the running estimates updated with ``momentum``, the variance unbiased), the
    running estimates in evaluation."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float64):
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), float(momentum)
        self.dtype = np.dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype=self.dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype=self.dtype))
        self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
        self.running_var = np.ones(self.num_features, dtype=self.dtype)
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        check_ndim(x, "x", 2, "(batch, num_features)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expects x of shape (batch, "
                             f"{self.num_features}), got {x.shape}")
        check_dtype_matches(x, "x", self.dtype, "BatchNorm1d")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d in training mode needs a batch of at least 2 to estimate a "
                    f"variance, got a batch of {n}; call .eval() to use the running statistics")
            mean = x.mean(axis=0)
            centered = x - mean
            var = np.mean(centered * centered, axis=0)
            m = self.momentum
            self.running_mean *= 1.0 - m
            self.running_mean += m * mean
            self.running_var *= 1.0 - m
            self.running_var += m * var * (n / (n - 1))
        else:
            centered = x - self.running_mean
            var = self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centered * inv_std
        self._cache = (x_hat, inv_std, self.training)
        return x_hat * self.weight.data + self.bias.data


class MSELoss:
    """The mean of the squared differences, over every element (forward only)."""

    def __init__(self):
        self._cache = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        pred = float_array(pred, "pred")
        target = np.asarray(target)
        if target.dtype.kind in "biu":
            target = target.astype(pred.dtype)
        target = float_array(target, "target")
        if pred.shape != target.shape:
            raise ValueError(f"pred and target must have the same shape, got {pred.shape} and "
                             f"{target.shape}")
        if pred.size == 0:
            raise ValueError(f"pred is empty (shape {pred.shape}); a loss needs at least one "
                             "element")
        target = target.astype(pred.dtype, copy=False)
        diff = pred - target
        self._cache = diff
        return float(np.mean(diff * diff))


#: The stand-ins by nnlib name, and the nnlib module each lives in.
CLASSES: dict[str, tuple[str, type]] = {
    "Linear": ("layers", Linear), "ReLU": ("layers", ReLU), "Dropout": ("layers", Dropout),
    "BatchNorm1d": ("layers", BatchNorm1d), "MSELoss": ("losses", MSELoss),
}
