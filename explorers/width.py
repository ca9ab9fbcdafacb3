"""The width explorer's compute: one hidden layer fitting a function of one variable as it widens.

The universal approximation theorem ({ref}`fundamentals-universal-approximation` in chapter 1)
says that a network with one hidden layer of ``m`` units,

    f(x) = sum_j v_j * phi(w_j * x + b_j) + c,

approximates any continuous function on a closed interval as closely as wanted for ``m`` large
enough. :func:`fit_width` trains such a network with nnlib (``Linear(1, m)``, the activation,
``Linear(m, 1)``, mean squared error, full-batch Adam) on evenly spaced points of a target on
``TRAIN_RANGE``, and returns the fitted curve on the wider ``PLOT_RANGE`` (so extrapolation shows)
with its loss curve. Only numpy and nnlib: the static page (:mod:`explorers.width_static`) and
the live widget (:mod:`explorers.width_widget`) both draw what this module computes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nnlib import layers, losses, optim

#: The targets: key -> (label, function of a numpy array).
TARGETS = {
    "sine": ("sin x", np.sin),
    "abs": ("|x| / 4 (a kink)", lambda x: np.abs(x) / 4.0),
    "step": ("a step at 0 (not continuous)", lambda x: np.where(x < 0, -0.5, 0.5)),
}
#: The hidden activations offered: key -> (label, layer class).
ACTIVATIONS = {"tanh": ("tanh", layers.Tanh), "relu": ("ReLU", layers.ReLU)}
#: The widths the static page precomputes (the live widget takes any width from 1 to MAX_WIDTH).
WIDTHS = (1, 2, 4, 8, 16, 32)
MAX_WIDTH = 64
TRAIN_RANGE = (-2 * math.pi, 2 * math.pi)
PLOT_RANGE = (-3 * math.pi, 3 * math.pi)
N_TRAIN = 128
N_PLOT = 241
EPOCHS = 500
LEARNING_RATE = 0.05
#: Inputs are divided by this before the first layer (inputs of order 1 keep tanh unsaturated).
INPUT_SCALE = math.pi


@dataclass(frozen=True)
class WidthFit:
    """One trained network: the curve it draws, its training error and its loss per step.

    ``x_plot`` (N_PLOT,) covers PLOT_RANGE; ``y_plot`` is the network's output there and
    ``target_plot`` the target's. ``train_mse`` is the final mean squared error on the training
    points; ``losses`` (epochs,) the loss before each full-batch step.
    """

    target: str
    activation: str
    width: int
    n_parameters: int
    x_plot: np.ndarray
    y_plot: np.ndarray
    target_plot: np.ndarray
    train_mse: float
    losses: np.ndarray


def _choice(value: str, name: str, options) -> str:
    if value not in options:
        raise ValueError(f"{name} must be one of {sorted(options)}, got {value!r}")
    return value


def training_data(target: str, n: int = N_TRAIN) -> tuple[np.ndarray, np.ndarray]:
    """``n`` evenly spaced points of ``target`` on TRAIN_RANGE: X (n, 1), y (n, 1)."""
    _choice(target, "target", TARGETS)
    x = np.linspace(*TRAIN_RANGE, n)[:, None]
    return x, TARGETS[target][1](x)


def one_hidden_layer(activation: str, width: int, rng: np.random.Generator) -> layers.Sequential:
    """``Linear(1, width)``, the activation, ``Linear(width, 1)``: ``3 width + 1`` parameters.

    Xavier initialization for tanh, He for ReLU (chapter 2's pairing).
    """
    _choice(activation, "activation", ACTIVATIONS)
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not (
            1 <= width <= MAX_WIDTH):
        raise ValueError(f"width must be an integer from 1 to {MAX_WIDTH}, got {width!r}")
    init = "xavier" if activation == "tanh" else "he"
    return layers.Sequential(layers.Linear(1, int(width), init=init, rng=rng),
                             ACTIVATIONS[activation][1](),
                             layers.Linear(int(width), 1, init=init, rng=rng))


def fit_width(target: str = "sine", activation: str = "tanh", width: int = 4,
              epochs: int = EPOCHS, seed: int = 0) -> WidthFit:
    """Train a one-hidden-layer network of ``width`` units on ``target``; see :class:`WidthFit`.

    Full-batch Adam (learning rate LEARNING_RATE) on the mean squared error, ``epochs`` steps,
    initial weights from ``np.random.default_rng(seed)``: the same arguments give the same fit.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    model = one_hidden_layer(activation, width, np.random.default_rng(seed))
    X, y = training_data(target)
    X = X / INPUT_SCALE
    loss = losses.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    history = np.empty(epochs)
    for epoch in range(epochs):
        history[epoch] = loss(model(X), y)
        optimizer.zero_grad()
        model.backward(loss.backward())
        optimizer.step()
    x_plot = np.linspace(*PLOT_RANGE, N_PLOT)
    return WidthFit(
        target=target, activation=activation, width=int(width),
        n_parameters=sum(p.data.size for p in model.parameters()),
        x_plot=x_plot, y_plot=model(x_plot[:, None] / INPUT_SCALE)[:, 0],
        target_plot=TARGETS[target][1](x_plot), train_mse=float(loss(model(X), y)),
        losses=history)


__all__ = ["TARGETS", "ACTIVATIONS", "WIDTHS", "MAX_WIDTH", "TRAIN_RANGE", "PLOT_RANGE",
           "EPOCHS", "WidthFit", "training_data", "one_hidden_layer", "fit_width"]
