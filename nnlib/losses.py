r"""Loss functions: ``forward(pred, target) -> float`` (the batch mean), ``backward() -> dL/dpred``.

Every loss averages over *all* elements, as PyTorch's ``reduction="mean"``, so its gradient
carries a factor :math:`1/n`. Shapes must match exactly: a prediction of shape (N, 1) and a
target of shape (N,) would broadcast to an (N, N) matrix and a silently wrong loss, so that is
an error here.
"""
from __future__ import annotations

import numpy as np

from nnlib.activations import log_softmax, sigmoid
from nnlib._validate import check_ndim, check_same_shape, float_array

_LOG_CLAMP = -100.0  # PyTorch's BCELoss floor for log(p) and log(1 - p)
_BCE_GRAD_EPS = 1e-12  # floor for p (1 - p) in BCELoss's gradient (PyTorch stores it as float32)


class Loss:
    """Base class: ``__call__`` is ``forward``; ``backward`` uses what the last forward cached."""

    def __init__(self):
        self._cache = None

    def __call__(self, pred, target) -> float:
        return self.forward(pred, target)

    def forward(self, pred, target) -> float:
        raise NotImplementedError

    def backward(self):
        raise NotImplementedError

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    def __repr__(self):
        return f"{type(self).__name__}()"


def _pred_and_target(pred, target):
    pred = float_array(pred, "pred")
    target = np.asarray(target)
    if target.dtype.kind in "biu":  # 0/1 labels are fine as targets; cast them to pred's dtype
        target = target.astype(pred.dtype)
    target = float_array(target, "target")
    check_same_shape(pred, "pred", target, "target")
    if pred.size == 0:
        raise ValueError(f"pred is empty (shape {pred.shape}); a loss needs at least one element")
    return pred, target.astype(pred.dtype, copy=False)


class MSELoss(Loss):
    r"""Mean squared error :math:`L = \frac1n \sum_i (p_i - t_i)^2`; :math:`\partial L/\partial p = \frac2n (p - t)`."""

    def forward(self, pred, target) -> float:
        pred, target = _pred_and_target(pred, target)
        diff = pred - target
        self._cache = diff
        return float(np.mean(diff * diff))

    def backward(self):
        diff = self._cached()
        return (2.0 / diff.size) * diff


class BCELoss(Loss):
    r"""Binary cross-entropy on probabilities :math:`p \in [0, 1]`:

    .. math:: L = -\frac1n \sum_i \left[t_i \log p_i + (1 - t_i)\log(1 - p_i)\right]

    Each log is clamped at -100 (as PyTorch does), so ``p = 0`` or ``1`` gives a large finite
    loss instead of ``inf``. The gradient is :math:`\frac1n (p - t) / \max(p(1-p), 10^{-12})`.
    Prefer :class:`BCEWithLogitsLoss` on raw scores: it is exact where this one saturates.
    """

    def forward(self, pred, target) -> float:
        pred, target = _pred_and_target(pred, target)
        if np.any((pred < 0) | (pred > 1)) or np.any(np.isnan(pred)):
            bad = pred[(pred < 0) | (pred > 1) | np.isnan(pred)].ravel()[:3]
            raise ValueError(
                f"BCELoss expects probabilities in [0, 1], got values such as {bad.tolist()}; "
                "for raw scores use BCEWithLogitsLoss"
            )
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(pred), _LOG_CLAMP)
            log_not_p = np.maximum(np.log1p(-pred), _LOG_CLAMP)
        self._cache = (pred, target)
        return float(-np.mean(target * log_p + (1.0 - target) * log_not_p))

    def backward(self):
        pred, target = self._cached()
        denominator = np.maximum(pred * (1.0 - pred), _BCE_GRAD_EPS)
        return (pred - target) / denominator / pred.size


class BCEWithLogitsLoss(Loss):
    r"""Binary cross-entropy on logits :math:`z` (probability :math:`\sigma(z)`), computed stably:

    .. math:: L = \frac1n \sum_i \left[\max(z_i, 0) - z_i t_i + \log(1 + e^{-|z_i|})\right],
              \qquad \frac{\partial L}{\partial z} = \frac1n(\sigma(z) - t)
    """

    def forward(self, pred, target) -> float:
        logits, target = _pred_and_target(pred, target)
        self._cache = (logits, target)
        losses = np.maximum(logits, 0.0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
        return float(np.mean(losses))

    def backward(self):
        logits, target = self._cached()
        return (sigmoid(logits) - target) / logits.size


class CrossEntropyLoss(Loss):
    r"""Softmax cross-entropy from logits ``(N, C)`` and integer class targets ``(N,)``:

    .. math:: L = -\frac1N \sum_n \log \mathrm{softmax}(z_n)_{t_n}, \qquad
              \frac{\partial L}{\partial z} = \frac1N\left(\mathrm{softmax}(z) - \mathrm{onehot}(t)\right)

    Softmax and log are fused through :func:`nnlib.activations.log_softmax`, so logits of any
    size are safe. Targets must be integers in ``[0, C)``.
    """

    def forward(self, pred, target) -> float:
        logits = float_array(pred, "pred")
        check_ndim(logits, "pred", 2, "(batch, classes)")
        target = np.asarray(target)
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(
                f"CrossEntropyLoss expects integer class targets, got dtype {target.dtype}"
            )
        if target.shape != (logits.shape[0],):
            raise ValueError(
                f"target must have shape ({logits.shape[0]},) to match pred {logits.shape}, "
                f"got {target.shape}"
            )
        n_classes = logits.shape[1]
        out_of_range = (target < 0) | (target >= n_classes)
        if out_of_range.any():
            raise ValueError(
                f"target holds class indices outside [0, {n_classes}): "
                f"{target[out_of_range][:5].tolist()}"
            )
        log_probs = log_softmax(logits, axis=1)
        self._cache = (log_probs, target)
        return float(-log_probs[np.arange(len(target)), target].mean())

    def backward(self):
        log_probs, target = self._cached()
        grad = np.exp(log_probs)  # softmax(z), from the forward pass
        grad[np.arange(len(target)), target] -= 1.0
        grad /= len(target)
        return grad


__all__ = ["Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]
