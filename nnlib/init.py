r"""Weight initializers: arrays of shape ``(fan_in, fan_out)`` for ``Y = X @ W``.

Both schemes keep the variance of the signal roughly constant from layer to layer, so that a
deep network neither blows up nor dies at initialization.

===============  ========================================  =================================================
scheme           variance of each weight                   meant for
===============  ========================================  =================================================
Xavier / Glorot  :math:`2 / (n_\text{in} + n_\text{out})`  tanh, sigmoid (symmetric, roughly linear at 0)
He / Kaiming     :math:`2 / n_\text{in}`                   ReLU and its relatives (which halve the variance)
===============  ========================================  =================================================

A uniform distribution on :math:`[-a, a]` has variance :math:`a^2/3`, so the uniform versions use
:math:`a = \sqrt{3 \cdot \text{variance}}`. The normal versions are not truncated. These match
PyTorch's ``xavier_*_`` and ``kaiming_*_`` (fan-in mode, ReLU gain) in distribution.

Note: some tutorials call :math:`\sqrt{2/n_\text{in}}` "Xavier"; it is He initialization.
"""
from __future__ import annotations

import math

import numpy as np

from nnlib._validate import check_float_dtype, generator, positive_int


def _check_fans(fan_in, fan_out) -> tuple[int, int]:
    return positive_int(fan_in, "fan_in"), positive_int(fan_out, "fan_out")


def _uniform(bound: float, shape, rng, dtype) -> np.ndarray:
    return generator(rng).uniform(-bound, bound, size=shape).astype(check_float_dtype(dtype))


def _normal(std: float, shape, rng, dtype) -> np.ndarray:
    return generator(rng).normal(0.0, std, size=shape).astype(check_float_dtype(dtype))


def xavier_uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    r"""Glorot uniform: :math:`U(-a, a)`, :math:`a = \sqrt{6/(n_\text{in} + n_\text{out})}`."""
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _uniform(math.sqrt(6.0 / (fan_in + fan_out)), (fan_in, fan_out), rng, dtype)


def xavier_normal(fan_in, fan_out, rng=None, dtype=np.float64):
    r"""Glorot normal: :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{2/(n_\text{in} + n_\text{out})}`."""
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _normal(math.sqrt(2.0 / (fan_in + fan_out)), (fan_in, fan_out), rng, dtype)


def he_uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    r"""He (Kaiming) uniform: :math:`U(-a, a)`, :math:`a = \sqrt{6/n_\text{in}}`."""
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _uniform(math.sqrt(6.0 / fan_in), (fan_in, fan_out), rng, dtype)


def he_normal(fan_in, fan_out, rng=None, dtype=np.float64):
    r"""He (Kaiming) normal: :math:`N(0, \sigma^2)`, :math:`\sigma = \sqrt{2/n_\text{in}}`."""
    fan_in, fan_out = _check_fans(fan_in, fan_out)
    return _normal(math.sqrt(2.0 / fan_in), (fan_in, fan_out), rng, dtype)


INITIALIZERS = {
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
}

__all__ = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "INITIALIZERS"]
