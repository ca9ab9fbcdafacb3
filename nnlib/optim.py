r"""Optimizers: SGD (momentum, Nesterov), RMSprop, Adam, AdamW, and global-norm gradient clipping.

Each optimizer class holds its hyper-parameters and per-parameter state and delegates the
arithmetic to a small function (``sgd_update``, ``rmsprop_update``, ``adam_update``) that takes
arrays and returns new arrays, so the update rule can be read, tested and plotted on its own.
The classes call it with ``in_place=True``: the same arithmetic, written into the parameter and
state arrays instead of new ones, which spares a training step a dozen large allocations.
Semantics are PyTorch's, so ``torch.optim`` in float64 is an exact oracle.

**Momentum convention.** nnlib (like PyTorch) accumulates :math:`v \leftarrow \mu v + (1 -
\text{dampening})\,g` and steps :math:`\theta \leftarrow \theta - \eta v`, with :math:`v = g` on
the first step. The "exponential average" form :math:`v \leftarrow \beta v + (1-\beta) g` is
``dampening=momentum`` (apart from the first step) and takes steps :math:`1/(1-\beta)` times
smaller, so its learning rate must be :math:`1/(1-\beta)` times larger (10x for 0.9) to match.

**Weight decay.** ``SGD``, ``RMSprop`` and ``Adam`` add :math:`\lambda\theta` to the gradient
(L2 regularization). ``AdamW`` instead shrinks the weights directly,
:math:`\theta \leftarrow \theta(1 - \eta\lambda)`, outside the adaptive scaling (decoupled
decay), which is not the same thing for adaptive methods.
"""
from __future__ import annotations

import numpy as np

from nnlib._validate import in_unit_interval, non_negative, positive
from nnlib.module import Parameter


# --- update rules --------------------------------------------------------------------------

def _copies(*arrays):
    """Copies of ``arrays`` (None stays None), so that an update can leave its inputs alone."""
    return tuple(None if a is None else a.copy() for a in arrays)


def sgd_update(param, grad, velocity, *, lr, momentum=0.0, dampening=0.0, nesterov=False,
               weight_decay=0.0, in_place=False):
    r"""One SGD step. Returns ``(param, velocity)`` after the step.

    .. math::
        g &\leftarrow g + \lambda\theta \\
        v &\leftarrow \mu v + (1 - \tau) g \quad (v = g \text{ on the first step, when } v \text{ is None}) \\
        d &= g + \mu v \text{ (Nesterov) or } v \\
        \theta &\leftarrow \theta - \eta d

    With ``momentum=0`` the velocity is not used and stays ``None``. The arguments are left
    unchanged and new arrays come back, unless ``in_place=True`` (how :class:`SGD` calls it, to
    save allocating new arrays on every step): then ``param`` and ``velocity`` are updated where
    they are. ``grad`` is never modified.
    """
    if not in_place:
        param, velocity = _copies(param, velocity)
    if weight_decay:
        grad = grad + weight_decay * param
    if momentum:
        if velocity is None:
            velocity = grad.copy()
        else:
            velocity *= momentum
            velocity += (1.0 - dampening) * grad if dampening else grad
        direction = grad + momentum * velocity if nesterov else velocity
    else:
        direction = grad
    param -= lr * direction
    return param, velocity


def rmsprop_update(param, grad, square_avg, momentum_buffer, *, lr, alpha=0.99, eps=1e-8,
                   weight_decay=0.0, momentum=0.0, centered=False, grad_avg=None,
                   in_place=False):
    r"""One RMSprop step. Returns ``(param, square_avg, momentum_buffer, grad_avg)`` after it.

    .. math::
        s &\leftarrow \alpha s + (1 - \alpha) g^2 \\
        \theta &\leftarrow \theta - \eta\, \frac{g}{\sqrt{s} + \epsilon}

    :math:`\epsilon` is added *outside* the square root (PyTorch, Keras and the original
    lecture all differ slightly here; this is PyTorch's). With ``momentum`` > 0, the scaled
    step goes through a buffer :math:`b \leftarrow \mu b + g/(\sqrt{s}+\epsilon)` and
    :math:`\theta \leftarrow \theta - \eta b`. ``centered`` subtracts the squared running mean
    of :math:`g` from :math:`s` (an estimate of the variance instead of the second moment).
    ``in_place`` as in :func:`sgd_update`.
    """
    if not in_place:
        param, square_avg, momentum_buffer, grad_avg = _copies(
            param, square_avg, momentum_buffer, grad_avg)
    if weight_decay:
        grad = grad + weight_decay * param
    square_avg *= alpha
    square_avg += (1.0 - alpha) * grad * grad
    if centered:
        grad_avg *= alpha
        grad_avg += (1.0 - alpha) * grad
        denom = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        denom = np.sqrt(square_avg) + eps
    if momentum:
        momentum_buffer *= momentum
        momentum_buffer += grad / denom
        param -= lr * momentum_buffer
    else:
        param -= lr * grad / denom
    return param, square_avg, momentum_buffer, grad_avg


def adam_update(param, grad, m, v, step, *, lr, beta1=0.9, beta2=0.999, eps=1e-8,
                weight_decay=0.0, decoupled_weight_decay=False, in_place=False):
    r"""One Adam (or AdamW) step; ``step`` counts from 1. Returns ``(param, m, v)`` after it.

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \hat m &= m / (1 - \beta_1^t), \qquad \hat v = v / (1 - \beta_2^t) \\
        \theta &\leftarrow \theta - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)

    Bias correction matters in the first steps: :math:`m` and :math:`v` start at zero and are
    biased towards it. Dividing by :math:`1 - \beta^t` removes that bias, so the first step has
    size :math:`\eta` per coordinate. Without it, the first step is
    :math:`(1-\beta_1)/\sqrt{1-\beta_2} \approx 3.2` times larger with the default betas
    (and correcting only :math:`v` makes it 10 times smaller).

    Weight decay: Adam adds :math:`\lambda\theta` to :math:`g` (L2, then scaled adaptively);
    ``decoupled_weight_decay`` (AdamW) multiplies :math:`\theta` by :math:`1 - \eta\lambda`
    first and leaves :math:`g` alone. ``in_place`` as in :func:`sgd_update`.
    """
    if not in_place:
        param, m, v = _copies(param, m, v)
    if weight_decay:
        if decoupled_weight_decay:
            param *= 1.0 - lr * weight_decay
        else:
            grad = grad + weight_decay * param
    m *= beta1
    m += (1.0 - beta1) * grad
    v *= beta2
    v += (1.0 - beta2) * grad * grad
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2 = 1.0 - beta2 ** step
    denom = np.sqrt(v) / bias_correction2 ** 0.5 + eps  # a Python float keeps float32 float32
    param -= (lr / bias_correction1) * m / denom
    return param, m, v


# --- optimizer classes ----------------------------------------------------------------------

class Optimizer:
    """Base class: holds the parameters and, per parameter, the state of the update rule."""

    def __init__(self, params, lr):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for index, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"{type(self).__name__} expects Parameters (model.parameters()), got "
                    f"{type(p).__name__} at position {index}"
                )
        self.params = params
        self.lr = non_negative(lr, "lr")
        self.state: list[dict] = [{} for _ in params]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter in place from its ``.grad``."""
        for p, state in zip(self.params, self.state):
            new_data = self._update(p.data, p.grad, state)
            if new_data is not p.data:  # an update rule that returned a new array
                p.data[...] = new_data

    def _update(self, param, grad, state):
        """Update ``param`` (and ``state``) from ``grad``; return the updated parameter array."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay.

    See :func:`sgd_update` for the rule. ``SGD(params, lr=0.1, momentum=0.9)`` matches
    ``torch.optim.SGD`` with the same arguments step for step.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = non_negative(momentum, "momentum")
        self.dampening = in_unit_interval(dampening, "dampening", include_high=True)
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0, got momentum="
                f"{self.momentum}, dampening={self.dampening}"
            )
        self.nesterov = bool(nesterov)

    def _update(self, param, grad, state):
        new_param, state["velocity"] = sgd_update(
            param, grad, state.get("velocity"), lr=self.lr, momentum=self.momentum,
            dampening=self.dampening, nesterov=self.nesterov, weight_decay=self.weight_decay,
            in_place=True,
        )
        return new_param


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root-mean-square of recent gradients.

    See :func:`rmsprop_update`. Matches ``torch.optim.RMSprop`` (epsilon outside the root).
    """

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        super().__init__(params, lr)
        self.alpha = in_unit_interval(alpha, "alpha", include_high=True)
        self.eps = non_negative(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.momentum = non_negative(momentum, "momentum")
        self.centered = bool(centered)

    def _update(self, param, grad, state):
        if not state:
            state["square_avg"] = np.zeros_like(param)
            state["momentum_buffer"] = np.zeros_like(param) if self.momentum else None
            state["grad_avg"] = np.zeros_like(param) if self.centered else None
        new_param, state["square_avg"], state["momentum_buffer"], state["grad_avg"] = (
            rmsprop_update(
                param, grad, state["square_avg"], state["momentum_buffer"], lr=self.lr,
                alpha=self.alpha, eps=self.eps, weight_decay=self.weight_decay,
                momentum=self.momentum, centered=self.centered, grad_avg=state["grad_avg"],
                in_place=True,
            )
        )
        return new_param


class Adam(Optimizer):
    """Adam with bias correction; ``weight_decay`` is L2 added to the gradient (see :class:`AdamW`).

    See :func:`adam_update`. Matches ``torch.optim.Adam``.
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (in_unit_interval(betas[0], "betas[0]"), in_unit_interval(betas[1], "betas[1]"))
        self.eps = non_negative(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")

    def _update(self, param, grad, state):
        if not state:
            state.update(step=0, m=np.zeros_like(param), v=np.zeros_like(param))
        state["step"] += 1
        new_param, state["m"], state["v"] = adam_update(
            param, grad, state["m"], state["v"], state["step"], lr=self.lr,
            beta1=self.betas[0], beta2=self.betas[1], eps=self.eps,
            weight_decay=self.weight_decay, decoupled_weight_decay=self.decoupled, in_place=True,
        )
        return new_param


class AdamW(Adam):
    r"""Adam with decoupled weight decay: :math:`\theta \leftarrow \theta(1 - \eta\lambda)` before
    the Adam step, instead of :math:`\lambda\theta` in the gradient. Matches ``torch.optim.AdamW``
    (whose default ``weight_decay`` is also 0.01).
    """

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


def clip_grad_norm(params, max_norm) -> float:
    r"""Scale all gradients together so that their global L2 norm is at most ``max_norm``.

    The global norm is :math:`\|g\| = \sqrt{\sum_p \sum_i g_{p,i}^2}` over *all* parameters;
    if it exceeds ``max_norm``, every gradient is multiplied by
    :math:`\text{max\_norm} / (\|g\| + 10^{-6})` (as PyTorch's ``clip_grad_norm_``), which keeps
    the direction of the whole update. Clipping each tensor on its own would change it.

    Returns the global norm *before* clipping, as a float (useful to log).
    """
    params = list(params)
    max_norm = positive(max_norm, "max_norm")
    for index, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"clip_grad_norm expects Parameters, got {type(p).__name__} at {index}")
    total = float(np.sqrt(sum(float(np.sum(p.grad * p.grad)) for p in params)))
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0:
        for p in params:
            p.grad *= coefficient
    return total


__all__ = [
    "sgd_update", "rmsprop_update", "adam_update", "Optimizer", "SGD", "RMSprop", "Adam",
    "AdamW", "clip_grad_norm",
]
