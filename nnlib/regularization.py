r"""L1 and L2 weight penalties, added to the loss and to the gradients.

=======  ========================================  ======================================
penalty  value                                     gradient added to each weight
=======  ========================================  ======================================
L1       :math:`\lambda \sum_i |w_i|`              :math:`\lambda\,\mathrm{sign}(w_i)`
L2       :math:`\tfrac{\lambda}{2} \sum_i w_i^2`   :math:`\lambda\, w_i`
=======  ========================================  ======================================

The factor 1/2 in L2 makes its gradient :math:`\lambda w`, the same as an optimizer's
``weight_decay=λ`` (for SGD; for adaptive optimizers see :class:`nnlib.optim.AdamW`). L1 has a
constant pull towards zero whatever the weight's size, so it makes small weights tiny (sparsity),
while L2's pull shrinks with the weight. With plain (sub)gradient steps a weight only jumps across
zero, by about ``lr * λ``, and almost never lands on it: exact zeros come from a proximal step
(soft-thresholding after each update), as chapter 05 measures. The subgradient of :math:`|w|` at
0 is taken as 0.

Penalties usually apply to weights only, not biases: :func:`weight_parameters` picks them.
"""
from __future__ import annotations

import numpy as np

from nnlib._validate import non_negative
from nnlib.module import Module, Parameter


def weight_parameters(model: Module) -> list[Parameter]:
    """The matrix-shaped parameters of ``model`` (Linear weights), leaving out biases and norms."""
    return [p for p in model.parameters() if p.data.ndim >= 2]


class Penalty:
    """A weight penalty on a fixed list of parameters: ``value()`` and ``backward()``."""

    def __init__(self, params, strength):
        self.params = list(params)
        self.strength = non_negative(strength, "strength")

    def value(self) -> float:
        """The penalty added to the loss."""
        raise NotImplementedError

    def backward(self) -> None:
        """Add the penalty's gradient into each parameter's ``.grad``."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(strength={self.strength}, params={len(self.params)})"


class L1Penalty(Penalty):
    r""":math:`\lambda \sum |w|`; gradient :math:`\lambda\,\mathrm{sign}(w)`."""

    def value(self) -> float:
        return self.strength * float(sum(np.sum(np.abs(p.data)) for p in self.params))

    def backward(self) -> None:
        for p in self.params:
            p.grad += self.strength * np.sign(p.data)


class L2Penalty(Penalty):
    r""":math:`\tfrac{\lambda}{2} \sum w^2`; gradient :math:`\lambda w`."""

    def value(self) -> float:
        return 0.5 * self.strength * float(sum(np.sum(p.data * p.data) for p in self.params))

    def backward(self) -> None:
        for p in self.params:
            p.grad += self.strength * p.data


def l1_penalty(params, strength) -> float:
    r""":math:`\lambda \sum_i |w_i|` over ``params`` (see :class:`L1Penalty` for the gradient)."""
    return L1Penalty(params, strength).value()


def l2_penalty(params, strength) -> float:
    r""":math:`\tfrac{\lambda}{2} \sum_i w_i^2` over ``params`` (see :class:`L2Penalty`)."""
    return L2Penalty(params, strength).value()


__all__ = ["weight_parameters", "Penalty", "L1Penalty", "L2Penalty", "l1_penalty", "l2_penalty"]
