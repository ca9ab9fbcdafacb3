r"""Activation functions and their derivatives, elementwise on arrays of any shape.

Each elementwise activation ``f`` has a partner ``f_derivative(x)`` that returns
:math:`f'(x)` at the same ``x``, with the same shape and dtype (float32 in, float32 out).
At a kink the derivative is PyTorch's choice: ReLU has slope 0 at 0, leaky ReLU has
``negative_slope`` at 0.

Softmax and log-softmax are not elementwise (every output depends on every input along
``axis``), so they have no elementwise derivative; :class:`nnlib.layers.Softmax` does the
Jacobian-vector product in its backward pass.

``ACTIVATIONS`` maps each name to an :class:`Activation` record holding the function, its
derivative, its range and a LaTeX formula, for tables, plots and explorers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from nnlib._validate import float_array

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_COEFF = 0.044715
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# The global minima of the functions that dip below zero (attained near x = -0.752, -0.752 and
# -1.278). They are constants so that importing nnlib stays fast; tests recompute them.
_GELU_MINIMUM = -0.16997120747990369
_GELU_TANH_MINIMUM = -0.17004075057125406
_SILU_MINIMUM = -0.2784645427610738


def _erf(x):
    """The error function, exact to float64 rounding (scipy's), imported on first use."""
    from scipy.special import erf

    return erf(x)


def sigmoid(x):
    r"""Logistic sigmoid :math:`\sigma(x) = 1 / (1 + e^{-x})`, in (0, 1).

    Computed without overflow for any input: for :math:`x \ge 0` as :math:`1/(1+e^{-x})`, for
    :math:`x < 0` as :math:`e^{x}/(1+e^{x})`, so the exponent is never positive. (The textbook
    form overflows ``exp(-x)`` at ``x = -1000``.)
    """
    x = float_array(x, "x")
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(x):
    r""":math:`\sigma'(x) = \sigma(x)\,(1 - \sigma(x))`, at most 0.25 (at ``x = 0``)."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    r"""Hyperbolic tangent :math:`\tanh(x) = (e^x - e^{-x})/(e^x + e^{-x}) = 2\sigma(2x) - 1`."""
    return np.tanh(float_array(x, "x"))


def tanh_derivative(x):
    r""":math:`\tanh'(x) = 1 - \tanh^2(x)`, at most 1 (at ``x = 0``)."""
    t = tanh(x)
    return 1.0 - t * t


def relu(x):
    r"""Rectified linear unit :math:`\max(0, x)`."""
    x = float_array(x, "x")
    return np.maximum(x, 0.0)


def relu_derivative(x):
    r""":math:`\mathrm{relu}'(x) = 1` if :math:`x > 0` else 0 (0 at the kink, as PyTorch)."""
    x = float_array(x, "x")
    return (x > 0).astype(x.dtype)


def _slope(negative_slope) -> float:
    if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
        raise TypeError(f"negative_slope must be a number, got {negative_slope!r}")
    return float(negative_slope)


def leaky_relu(x, negative_slope=0.01):
    r"""Leaky ReLU: :math:`x` for :math:`x > 0`, else :math:`\alpha x` (``alpha = negative_slope``)."""
    x = float_array(x, "x")
    slope = _slope(negative_slope)
    return np.where(x > 0, x, x * slope)


def leaky_relu_derivative(x, negative_slope=0.01):
    r""":math:`1` for :math:`x > 0`, else :math:`\alpha` (``negative_slope`` at the kink, as PyTorch)."""
    x = float_array(x, "x")
    slope = _slope(negative_slope)
    return np.where(x > 0, np.ones_like(x), np.full_like(x, slope))


def _check_approximate(approximate: str) -> str:
    if approximate not in ("none", "tanh"):
        raise ValueError(f'approximate must be "none" or "tanh", got {approximate!r}')
    return approximate


def gelu(x, approximate="none"):
    r"""Gaussian error linear unit :math:`x\,\Phi(x)`, where :math:`\Phi` is the normal CDF.

    ``approximate="none"`` (default) is exact: :math:`\tfrac{x}{2}(1 + \mathrm{erf}(x/\sqrt2))`.
    ``approximate="tanh"`` is the cheaper form from the GELU paper,
    :math:`\tfrac{x}{2}\left(1 + \tanh\!\left(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)`.
    Both are bounded below (minimum about -0.17 near ``x = -0.75``) and unbounded above.
    """
    x = float_array(x, "x")
    if _check_approximate(approximate) == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_TANH_COEFF * x * x * x)
        return 0.5 * x * (1.0 + np.tanh(inner))
    return 0.5 * x * (1.0 + _erf(x * _INV_SQRT_2))


def gelu_derivative(x, approximate="none"):
    r"""Derivative of :func:`gelu`.

    Exact: :math:`\Phi(x) + x\,\varphi(x)` with :math:`\varphi` the normal density.
    Tanh form, with :math:`u = \sqrt{2/\pi}(x + 0.044715x^3)`:
    :math:`\tfrac12(1 + \tanh u) + \tfrac{x}{2}(1 - \tanh^2 u)\sqrt{2/\pi}(1 + 3 \cdot 0.044715 x^2)`.
    """
    x = float_array(x, "x")
    if _check_approximate(approximate) == "tanh":
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_COEFF * x * x * x))
        du_dx = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_TANH_COEFF * x * x)
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du_dx
    cdf = 0.5 * (1.0 + _erf(x * _INV_SQRT_2))
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return cdf + x * pdf


def silu(x):
    r"""Sigmoid linear unit (Swish with :math:`\beta = 1`): :math:`x\,\sigma(x)`.

    Bounded below (minimum about -0.278 at ``x = -1.278``), unbounded above, smooth and
    non-monotonic.
    """
    x = float_array(x, "x")
    return x * sigmoid(x)


def silu_derivative(x):
    r""":math:`\mathrm{silu}'(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))`."""
    x = float_array(x, "x")
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


swish = silu
swish_derivative = silu_derivative


def _check_axis(x: np.ndarray, axis: int) -> None:
    if x.ndim == 0:
        raise ValueError("softmax needs at least one dimension, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for an array of shape {x.shape}")


def softmax(x, axis=-1):
    r"""Softmax along ``axis``: :math:`\mathrm{softmax}(x)_i = e^{x_i - m} / \sum_j e^{x_j - m}`.

    Subtracting :math:`m = \max_j x_j` changes nothing mathematically and keeps every exponent
    at most 0, so large logits (1000) never overflow.
    """
    x = float_array(x, "x")
    _check_axis(x, axis)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    r"""Log of :func:`softmax`, computed stably as :math:`x_i - m - \log\sum_j e^{x_j - m}`.

    Never takes ``log(0)``: a logit far below the others gives a large negative number, not -inf.
    """
    x = float_array(x, "x")
    _check_axis(x, axis)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """One row of the activation table: the function, its derivative, its range, its formula."""

    name: str
    fn: Callable
    derivative: Callable
    range: tuple[float, float]
    formula: str
    #: Whether each end of ``range`` is attained (ReLU reaches 0; sigmoid never reaches 0 or 1).
    closed: tuple[bool, bool] = (False, False)

    @property
    def interval(self) -> str:
        """The range in interval notation, e.g. ``"[0, ∞)"`` for ReLU, ``"(0, 1)"`` for sigmoid."""
        def bound(value: float) -> str:
            return "∞" if value == math.inf else "−∞" if value == -math.inf else f"{value:.4g}"

        low, high = self.range
        return (f"{'[' if self.closed[0] else '('}{bound(low)}, "
                f"{bound(high)}{']' if self.closed[1] else ')'}")


def _gelu_tanh(x):
    return gelu(x, approximate="tanh")


def _gelu_tanh_derivative(x):
    return gelu_derivative(x, approximate="tanh")


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("sigmoid", sigmoid, sigmoid_derivative, (0.0, 1.0),
                   r"\sigma(x) = \frac{1}{1 + e^{-x}}"),
        Activation("tanh", tanh, tanh_derivative, (-1.0, 1.0),
                   r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"),
        Activation("relu", relu, relu_derivative, (0.0, math.inf),
                   r"\mathrm{ReLU}(x) = \max(0, x)", closed=(True, False)),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative, (-math.inf, math.inf),
                   r"\mathrm{LeakyReLU}(x) = \begin{cases} x & x > 0 \\ \alpha x & x \le 0 \end{cases}"),
        Activation("gelu", gelu, gelu_derivative, (_GELU_MINIMUM, math.inf),
                   r"\mathrm{GELU}(x) = x\,\Phi(x) = \tfrac{x}{2}\left(1 + \mathrm{erf}(x/\sqrt{2})\right)",
                   closed=(True, False)),
        Activation("gelu_tanh", _gelu_tanh, _gelu_tanh_derivative,
                   (_GELU_TANH_MINIMUM, math.inf),
                   r"\tfrac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715\,x^{3})\right)\right)",
                   closed=(True, False)),
        Activation("silu", silu, silu_derivative, (_SILU_MINIMUM, math.inf),
                   r"\mathrm{SiLU}(x) = x\,\sigma(x)", closed=(True, False)),
    ]
}
ACTIVATIONS["swish"] = ACTIVATIONS["silu"]

__all__ = [
    "sigmoid", "sigmoid_derivative", "tanh", "tanh_derivative", "relu", "relu_derivative",
    "leaky_relu", "leaky_relu_derivative", "gelu", "gelu_derivative", "silu", "silu_derivative",
    "swish", "swish_derivative", "softmax", "log_softmax", "Activation", "ACTIVATIONS",
]
