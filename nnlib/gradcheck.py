r"""Numerical gradients by central differences, to check every backward pass.

.. math:: \frac{\partial f}{\partial x_i} \approx \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2\epsilon}

The error of this estimate is :math:`O(\epsilon^2)` plus rounding of order
:math:`10^{-16}/\epsilon`; with float64 and :math:`\epsilon = 10^{-6}` a correct backward pass
agrees to a relative error near :math:`10^{-9}` or better. Always check in float64, with a
*random* upstream gradient: an upstream gradient of all ones hides mistakes that sum to zero
(for example in batch norm's input gradient).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from nnlib._validate import generator, positive
from nnlib.module import Module


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps=1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x`` (same shape as ``x``).

    ``x`` is perturbed in place one entry at a time and restored exactly afterwards, so ``f``
    may read ``x`` through a closure (for example a parameter's ``.data``).
    """
    eps = positive(eps, "eps")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x must be a float numpy array, got {type(x).__name__}"
                        + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else ""))
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x = x.reshape(-1)  # a view: writing to it writes to x
    if not np.shares_memory(flat_x, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    flat_grad = grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = float(f(x))
        flat_x[i] = original - eps
        f_minus = float(f(x))
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad.astype(x.dtype, copy=False)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    r""":math:`\|a - n\| / \max(\|a\| + \|n\|, 10^{-300})`: 0 when equal, 1 when unrelated.

    Meaningless when the true gradient is exactly zero (for example a Linear bias feeding a
    batch norm, whose output does not depend on it): the analytic value is then ~1e-17 and the
    numerical one ~1e-10 of rounding noise, and their relative error is about 1.
    """
    difference = np.linalg.norm(np.asarray(analytic, np.float64) - np.asarray(numeric, np.float64))
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(difference / max(scale, 1e-300))


def check_module(module: Module, x: np.ndarray, rng=None, eps=1e-6) -> dict[str, float]:
    """Compare ``module``'s backward pass with numerical gradients.

    Uses the scalar :math:`L = \\sum (\\text{module}(x) \\odot G)` for a random upstream
    gradient :math:`G` (standard normal), so :math:`\\partial L / \\partial \\text{output} = G`.
    The module must be deterministic in its current mode (put Dropout in eval mode, or give it
    a fresh generator per call).

    Returns a dict from ``"input"`` and each parameter's dotted name to its relative error
    (see :func:`relative_error`). Parameters and ``x`` are left as they were; the parameters'
    ``.grad`` hold the analytic gradients afterwards.
    """
    rng = generator(rng)
    x = np.array(x, dtype=np.asarray(x).dtype, copy=True)
    upstream = rng.standard_normal(module(x).shape).astype(x.dtype)

    def loss(_):
        return float(np.sum(module(x) * upstream))

    module.zero_grad()
    module(x)
    analytic_input = module.backward(upstream.copy())
    analytic = {name: p.grad.copy() for name, p in module.named_parameters()}

    errors = {"input": relative_error(analytic_input, numerical_gradient(loss, x, eps))}
    for name, p in module.named_parameters():
        errors[name] = relative_error(analytic[name], numerical_gradient(loss, p.data, eps))
    module.zero_grad()
    for name, p in module.named_parameters():
        p.grad += analytic[name]
    return errors


__all__ = ["numerical_gradient", "relative_error", "check_module"]
