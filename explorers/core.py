r"""The compute behind the explorers: nnlib and numpy only, no widgets, no plotting.

Every number an explorer shows comes from here, and everything here comes from nnlib: the
activation curves are :data:`nnlib.activations.ACTIVATIONS`, the optimizer trajectories are
nnlib's optimizer classes stepping a :class:`nnlib.layers.Parameter` that holds a 2-D point, the
gradient norms are nnlib layers' backward passes, and the regularization runs are
:func:`nnlib.train.fit`. The live widgets (:mod:`explorers.widgets`) and the static book
pages (:mod:`explorers.static`) only draw what these functions return, so the two can never
disagree with each other or with the library.

Four explorers:

- **activations**: :func:`activation_curve`, :func:`vanishing_regions`, :func:`activation_at`;
- **optimizers**: :func:`make_surface` (a 2-D loss surface), :func:`run_optimizer` (one
  trajectory), :func:`make_optimizer`;
- **gradient flow**: :func:`build_deep_mlp`, :func:`gradient_flow` (per-layer gradient norms);
- **regularization**: :func:`regularization_data`, :func:`train_regularized` (curves and a
  decision boundary).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from nnlib import data as nn_data
from nnlib import layers, losses, optim, regularization, train
from nnlib._validate import (in_unit_interval, int_in_range, non_negative, positive_int,
                             real_number)
from nnlib.activations import ACTIVATIONS, sigmoid
from nnlib.layers import Parameter

# A colour per curve, shared by the live and static explorers (matplotlib's "tab10").
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def _choice(value, name: str, options) -> str:
    """Return ``value`` if it is one of ``options`` (nnlib's checks are for numbers), else raise."""
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


# --- activations -----------------------------------------------------------------------------

ACTIVATION_LABELS = {
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "leaky_relu": "leaky ReLU",
    "gelu": "GELU (exact)",
    "gelu_tanh": "GELU (tanh approx.)",
    "silu": "SiLU / Swish",
}
"""The activations the explorer offers (keys of :data:`nnlib.activations.ACTIVATIONS`)."""

ACTIVATION_NAMES = tuple(ACTIVATION_LABELS)


def activation_curve(name: str, x, negative_slope: float = 0.01):
    r"""The activation ``name`` and its derivative at the points ``x``, from nnlib.

    Returns ``(f(x), f'(x))``, two arrays shaped like ``x``, computed by
    ``ACTIVATIONS[name].fn`` and ``.derivative``. ``negative_slope`` (:math:`\alpha`) is used
    by leaky ReLU only.
    """
    _choice(name, "name", ACTIVATION_NAMES)
    x = np.asarray(x, dtype=np.float64)
    entry = ACTIVATIONS[name]
    if name == "leaky_relu":
        slope = real_number(negative_slope, "negative_slope")
        return entry.fn(x, negative_slope=slope), entry.derivative(x, negative_slope=slope)
    return entry.fn(x), entry.derivative(x)


def activation_at(name: str, x0: float, negative_slope: float = 0.01) -> tuple[float, float]:
    """The readout at one point: ``(f(x0), f'(x0))`` as floats."""
    value, slope = activation_curve(name, np.array([real_number(x0, "x0")]), negative_slope)
    return float(value[0]), float(slope[0])


def input_grid(x_min: float = -6.0, x_max: float = 6.0, n_points: int = 601) -> np.ndarray:
    """``n_points`` evenly spaced inputs from ``x_min`` to ``x_max`` (both included)."""
    x_min, x_max = real_number(x_min, "x_min"), real_number(x_max, "x_max")
    if not x_min < x_max:
        raise ValueError(f"need x_min < x_max, got x_min={x_min}, x_max={x_max}")
    return np.linspace(x_min, x_max, int_in_range(n_points, "n_points", 2))


def vanishing_regions(x, derivative, threshold: float = 0.01) -> list[tuple[float, float]]:
    r"""The intervals of ``x`` where :math:`|f'(x)| <` ``threshold``: where the gradient vanishes.

    A gradient flowing back through a unit is multiplied by :math:`f'(x)`, so where
    :math:`|f'|` is tiny (sigmoid and tanh saturating, ReLU's flat half) almost nothing reaches
    the layers below. ``x`` must be sorted; each maximal run of grid points below the threshold
    becomes one ``(start, end)`` pair of grid values (a single point gives ``start == end``).
    """
    x = np.asarray(x, dtype=np.float64)
    derivative = np.asarray(derivative, dtype=np.float64)
    if x.ndim != 1 or x.shape != derivative.shape:
        raise ValueError(f"x and derivative must be 1-D of the same length, got {x.shape} and "
                         f"{derivative.shape}")
    threshold = real_number(threshold, "threshold")
    below = np.abs(derivative) < threshold
    edges = np.diff(np.concatenate([[0], below.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return [(float(x[s]), float(x[e])) for s, e in zip(starts, ends)]


# --- 2-D loss surfaces --------------------------------------------------------------------

@dataclass(frozen=True)
class Surface:
    r"""A 2-D loss :math:`f(x, y)` to optimize, with its gradient and a view of it.

    Attributes:
        key, label, formula: an identifier, a name and the formula as plain text.
        value: ``value(x, y)`` evaluates :math:`f` elementwise on arrays of any shape.
        gradient: ``gradient(x, y)`` returns :math:`(\partial f/\partial x, \partial f/\partial y)`.
        bounds: ``(x_min, x_max, y_min, y_max)`` of the plot.
        start: the default start point.
        minimum: the global minimizer; ``min_value`` is :math:`f` there.
        default_lr: a learning rate per optimizer that makes a sensible first picture.
    """

    key: str
    label: str
    formula: str
    value: Callable
    gradient: Callable
    bounds: tuple[float, float, float, float]
    start: tuple[float, float]
    minimum: tuple[float, float]
    min_value: float
    default_lr: dict = field(default_factory=dict)

    def loss(self, point) -> float:
        """:math:`f` at one point ``(x, y)``."""
        return float(self.value(point[0], point[1]))

    def grad(self, point) -> np.ndarray:
        """The gradient at one point, as a float64 array of shape (2,)."""
        gx, gy = self.gradient(point[0], point[1])
        return np.array([gx, gy], dtype=np.float64)

    def grid(self, n: int = 101):
        """``(xs, ys, Z)``: ``n`` values per axis over ``bounds``; ``Z[i, j] = f(xs[j], ys[i])``."""
        n = int_in_range(n, "n", 2)
        x_min, x_max, y_min, y_max = self.bounds
        xs, ys = np.linspace(x_min, x_max, n), np.linspace(y_min, y_max, n)
        X, Y = np.meshgrid(xs, ys)
        return xs, ys, self.value(X, Y)

    def contour_levels(self, n: int = 12) -> np.ndarray:
        """``n`` levels of :math:`f - f_\\min`, evenly spaced on a log scale over the view."""
        _, _, Z = self.grid(81)
        gap = Z - self.min_value
        top = float(np.max(gap))
        bottom = max(float(np.quantile(gap, 0.002)), top * 1e-4)
        return np.geomspace(bottom, top, int_in_range(n, "n", 2) + 1)[:-1]


SURFACE_LABELS = {
    "bowl": "quadratic bowl",
    "rosenbrock": "Rosenbrock valley",
    "saddle": "saddle point",
    "two_wells": "two wells (a local minimum)",
}
SURFACE_NAMES = tuple(SURFACE_LABELS)
OPTIMIZER_NAMES = ("sgd", "momentum", "rmsprop", "adam", "adamw")
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum", "rmsprop": "RMSprop",
                    "adam": "Adam", "adamw": "AdamW"}

# Two-wells surface: f = (x^2 - 1)^2 + TILT x + y^2 / 2. Its minima are the real roots of
# f'(x) = 4x^3 - 4x + TILT; the lower one is global, the other a local trap.
_TILT = 0.3
_WELL_XS = np.sort(np.roots([4.0, 0.0, -4.0, _TILT]).real)
_WELL_VALUES = (_WELL_XS ** 2 - 1.0) ** 2 + _TILT * _WELL_XS
_GLOBAL_WELL_X = float(_WELL_XS[np.argmin(_WELL_VALUES)])


def make_surface(name: str, condition: float = 10.0) -> Surface:
    r"""One of the explorer's loss surfaces (see :data:`SURFACE_NAMES`).

    - ``"bowl"``: :math:`f = \tfrac12 (x^2/\kappa + y^2)` with condition number
      :math:`\kappa` = ``condition`` (the ratio of the largest to the smallest curvature). The
      steep direction always has curvature 1, so plain gradient descent is stable for
      learning rates below 2 whatever :math:`\kappa`; a large :math:`\kappa` makes the flat
      direction :math:`\kappa` times slower.
    - ``"rosenbrock"``: :math:`(1 - x)^2 + 100 (y - x^2)^2`, a curved narrow valley with its
      minimum 0 at (1, 1).
    - ``"saddle"``: :math:`\tfrac12 x^2 - \tfrac12 y^2 + \tfrac14 y^4`: a saddle point at the
      origin between two minima at :math:`(0, \pm 1)` with value -1/4.
    - ``"two_wells"``: :math:`(x^2 - 1)^2 + 0.3x + \tfrac12 y^2`: a global minimum near
      :math:`x = -1.04` and a shallower local one near :math:`x = 0.96`.
    """
    _choice(name, "name", SURFACE_NAMES)
    if name == "bowl":
        kappa = real_number(condition, "condition")
        if kappa < 1.0:
            raise ValueError(f"condition must be >= 1 (largest / smallest curvature), got {kappa}")
        return Surface(
            key="bowl", label=f"quadratic bowl, condition number {kappa:g}",
            formula=f"f(x, y) = (x²/{kappa:g} + y²) / 2",
            value=lambda x, y: 0.5 * (x * x / kappa + y * y),
            gradient=lambda x, y: (x / kappa, y),
            bounds=(-5.0, 5.0, -2.5, 2.5), start=(-4.5, 2.0), minimum=(0.0, 0.0), min_value=0.0,
            default_lr={"sgd": 0.5, "momentum": 0.1, "rmsprop": 0.05, "adam": 0.1, "adamw": 0.1},
        )
    if name == "rosenbrock":
        return Surface(
            key="rosenbrock", label=SURFACE_LABELS[name],
            formula="f(x, y) = (1 − x)² + 100 (y − x²)²",
            value=lambda x, y: (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2,
            gradient=lambda x, y: (-2.0 * (1.0 - x) - 400.0 * x * (y - x * x),
                                   200.0 * (y - x * x)),
            bounds=(-2.0, 2.0, -1.0, 3.0), start=(-1.2, 1.0), minimum=(1.0, 1.0), min_value=0.0,
            default_lr={"sgd": 1.5e-3, "momentum": 1e-3, "rmsprop": 0.03, "adam": 0.2,
                        "adamw": 0.2},
        )
    if name == "saddle":
        return Surface(
            key="saddle", label=SURFACE_LABELS[name],
            formula="f(x, y) = x²/2 − y²/2 + y⁴/4",
            value=lambda x, y: 0.5 * x * x - 0.5 * y * y + 0.25 * y ** 4,
            gradient=lambda x, y: (x, y ** 3 - y),
            bounds=(-2.0, 2.0, -1.6, 1.6), start=(-1.9, 0.01), minimum=(0.0, 1.0),
            min_value=-0.25,
            default_lr={"sgd": 0.1, "momentum": 0.02, "rmsprop": 0.01, "adam": 0.05,
                        "adamw": 0.05},
        )
    return Surface(
        key="two_wells", label=SURFACE_LABELS[name],
        formula="f(x, y) = (x² − 1)² + 0.3 x + y²/2",
        value=lambda x, y: (x * x - 1.0) ** 2 + _TILT * x + 0.5 * y * y,
        gradient=lambda x, y: (4.0 * x * (x * x - 1.0) + _TILT, y),
        bounds=(-2.0, 2.0, -1.6, 1.6), start=(1.9, 1.4), minimum=(_GLOBAL_WELL_X, 0.0),
        min_value=float(np.min(_WELL_VALUES)),
        default_lr={"sgd": 0.02, "momentum": 0.01, "rmsprop": 0.02, "adam": 0.1, "adamw": 0.1},
    )


# --- optimizers on a surface ---------------------------------------------------------------

OPTIMIZER_DEFAULTS = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "rmsprop": {"alpha": 0.99},
    "adam": {"beta1": 0.9, "beta2": 0.999},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "weight_decay": 0.1},
}
"""The hyper-parameters (besides ``lr``) each optimizer takes in the explorer, with defaults."""


def make_optimizer(name: str, params, lr: float, **hyper) -> optim.Optimizer:
    """nnlib's optimizer for the explorer's ``name``, with the explorer's hyper-parameter names.

    ``"sgd"`` is :class:`nnlib.optim.SGD` without momentum, ``"momentum"`` is ``SGD`` with
    ``momentum`` (PyTorch's form, :math:`v \\leftarrow \\mu v + g`), ``"rmsprop"`` takes
    ``alpha``, ``"adam"`` and ``"adamw"`` take ``beta1``, ``beta2`` (and ``weight_decay``, the
    decoupled decay of AdamW). Unknown hyper-parameters are an error.
    """
    _choice(name, "optimizer", OPTIMIZER_NAMES)
    unknown = set(hyper) - set(OPTIMIZER_DEFAULTS[name])
    if unknown:
        raise ValueError(f"{name} takes {sorted(OPTIMIZER_DEFAULTS[name]) + ['lr']}, got "
                         f"unknown {sorted(unknown)}")
    h = {**OPTIMIZER_DEFAULTS[name], **hyper}
    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=h["momentum"])
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, alpha=h["alpha"])
    if name == "adam":
        return optim.Adam(params, lr=lr, betas=(h["beta1"], h["beta2"]))
    return optim.AdamW(params, lr=lr, betas=(h["beta1"], h["beta2"]),
                       weight_decay=h["weight_decay"])


DIVERGENCE_RADIUS = 1e6
"""A trajectory whose point leaves the disc of this radius (or stops being finite) has diverged."""


@dataclass(frozen=True)
class Trajectory:
    """The path of one optimizer on a surface.

    Attributes:
        points: (k + 1, 2) float64, the start and the point after each of the k steps taken.
        losses: (k + 1,) float64, :math:`f` at each point.
        diverged: True if the run stopped early because the point blew up; then ``k`` is the
            step at which it left the disc of radius :data:`DIVERGENCE_RADIUS`.
    """

    points: np.ndarray
    losses: np.ndarray
    diverged: bool

    @property
    def steps(self) -> int:
        return len(self.points) - 1


def run_optimizer(surface: Surface, optimizer: str, lr: float, steps: int = 200, start=None,
                  **hyper) -> Trajectory:
    r"""Minimize ``surface`` from ``start`` with nnlib's ``optimizer`` for ``steps`` steps.

    The point is an nnlib :class:`~nnlib.layers.Parameter` of shape (2,). Each step does what a
    training loop does: ``zero_grad()``, write the surface's gradient into ``.grad``,
    ``optimizer.step()``. So the path is exactly what nnlib's optimizer does, step for step.
    The run stops early if the point stops being finite or leaves the disc of radius
    :data:`DIVERGENCE_RADIUS` (``diverged=True``); that point is kept (when finite) so a
    plot can show where it went.
    """
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a Surface (from make_surface), got "
                        f"{type(surface).__name__}")
    steps = int_in_range(steps, "steps", 0)
    start = surface.start if start is None else start
    if np.shape(start) != (2,):
        raise ValueError(f"start must be a point (x, y), got {start!r}")
    point = Parameter(np.array([real_number(start[0], "start[0]"),
                                real_number(start[1], "start[1]")]))
    opt = make_optimizer(optimizer, [point], lr=lr, **hyper)
    points = np.empty((steps + 1, 2))
    points[0] = point.data
    taken, diverged = steps, False
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            opt.zero_grad()
            point.grad += surface.grad(point.data)
            opt.step()
            points[step] = point.data
            if not (np.all(np.isfinite(point.data))
                    and np.max(np.abs(point.data)) <= DIVERGENCE_RADIUS):
                diverged = True
                taken = step if np.all(np.isfinite(point.data)) else step - 1
                break
        points = points[: taken + 1]
        losses = surface.value(points[:, 0], points[:, 1])
    return Trajectory(points=points, losses=losses, diverged=diverged)


# --- gradient flow in a deep network --------------------------------------------------------

FLOW_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu")
FLOW_INITS = {
    "xavier": "Xavier/Glorot uniform, Var(w) = 2 / (fan_in + fan_out)",
    "he": "He/Kaiming normal, Var(w) = 2 / fan_in",
    "naive": "naive N(0, 0.01²): too small",
    "unit_normal": "unit normal N(0, 1): too large",
}
_FIXED_STD = {"naive": 0.01, "unit_normal": 1.0}


def _activation_layer(name: str) -> layers.Module:
    return {"sigmoid": layers.Sigmoid, "tanh": layers.Tanh, "relu": layers.ReLU,
            "leaky_relu": layers.LeakyReLU, "gelu": layers.GELU, "silu": layers.SiLU}[name]()


def build_deep_mlp(depth: int, activation: str, init: str, width: int = 64,
                   residual: bool = False, rng=None) -> layers.Sequential:
    r"""``depth`` blocks ``Linear(width, width)`` + ``activation``, then ``Linear(width, 1)``.

    ``init``: ``"xavier"`` and ``"he"`` are nnlib's initializers; ``"naive"`` (the old recipe
    of small random weights) and ``"unit_normal"`` draw each weight from :math:`N(0, \sigma^2)`
    with :math:`\sigma` = 0.01 and 1 (He normal weights rescaled, so every choice uses the
    same random numbers). With ``residual`` each
    hidden block is wrapped in :class:`nnlib.layers.Residual` (:math:`h \mapsto h + F(h)`).
    Weights are drawn from ``rng`` layer by layer, from the input up.
    """
    depth = int_in_range(depth, "depth", 1, 200)
    width = positive_int(width, "width")
    _choice(activation, "activation", FLOW_ACTIVATIONS)
    _choice(init, "init", FLOW_INITS)
    rng = np.random.default_rng(0) if rng is None else rng
    nn_init = "xavier" if init == "xavier" else "he"
    blocks = []
    for _ in range(depth):
        linear = layers.Linear(width, width, init=nn_init, rng=rng)
        if init in _FIXED_STD:
            linear.weight.data *= _FIXED_STD[init] / math.sqrt(2.0 / width)
        block = layers.Sequential(linear, _activation_layer(activation))
        blocks.append(layers.Residual(block) if residual else block)
    blocks.append(layers.Linear(width, 1, init=nn_init, rng=rng))
    if init in _FIXED_STD:
        blocks[-1].weight.data *= _FIXED_STD[init] / math.sqrt(2.0 / width)
    return layers.Sequential(*blocks)


@dataclass(frozen=True)
class GradientFlow:
    """Per-layer measurements of one forward and backward pass through a deep MLP.

    Attributes:
        weight_grad_norms: (depth + 1,) Frobenius norm :math:`\\|\\partial L/\\partial W_l\\|` of
            each Linear layer's weight gradient, from the input layer (index 0) to the output layer.
        output_grad_norms: (depth,) Frobenius norm :math:`\\|\\partial L/\\partial h_l\\|` of the
            gradient reaching each hidden block's output :math:`h_l` (the backward signal).
        activation_stds: (depth,) standard deviation of each hidden block's output (the forward
            signal; 0 means dead or vanished, huge means exploded).
        loss: the loss value.
    """

    weight_grad_norms: np.ndarray
    output_grad_norms: np.ndarray
    activation_stds: np.ndarray
    loss: float


def _linear_layers(model: layers.Sequential) -> list[layers.Linear]:
    found = []

    def visit(module):
        if isinstance(module, layers.Linear):
            found.append(module)
        for _, child in module.named_children():
            visit(child)

    visit(model)
    return found


def gradient_flow(depth: int, activation: str, init: str, width: int = 64, batch_size: int = 64,
                  residual: bool = False, seed: int = 0) -> GradientFlow:
    r"""Gradient norms per layer of a fresh deep MLP on one batch, at initialization.

    With ``rng = np.random.default_rng(seed)``: the network is :func:`build_deep_mlp` (weights
    drawn first), then inputs ``X`` of shape (batch_size, width) and targets ``y`` of shape
    (batch_size, 1), both standard normal. One forward pass, the MSE loss
    :math:`L = \frac1N \sum (f(X) - y)^2`, one backward pass. By the chain rule the gradient
    reaching layer :math:`l` is a product of one Jacobian per layer above it, so it shrinks
    (vanishes) or grows (explodes) geometrically with depth unless each factor keeps its
    size near 1, which is what a good initialization for the activation does.
    """
    batch_size = positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(int_in_range(seed, "seed", 0))
    model = build_deep_mlp(depth, activation, init, width=width, residual=residual, rng=rng)
    X = rng.standard_normal((batch_size, width))
    y = rng.standard_normal((batch_size, 1))
    loss = losses.MSELoss()
    stds = []
    h = X
    for block in model.layers[:-1]:
        h = block(h)
        stds.append(float(np.std(h)))
    value = loss(model.layers[-1](h), y)
    model.zero_grad()
    # Sequential.backward, one block at a time, to see the gradient between blocks.
    grad = model.layers[-1].backward(loss.backward())
    output_norms = []
    for block in reversed(model.layers[:-1]):
        output_norms.append(float(np.linalg.norm(grad)))
        grad = block.backward(grad)
    norms = [float(np.linalg.norm(linear.weight.grad)) for linear in _linear_layers(model)]
    return GradientFlow(weight_grad_norms=np.array(norms),
                        output_grad_norms=np.array(output_norms[::-1]),
                        activation_stds=np.array(stds), loss=float(value))


# --- regularization on a 2-D dataset ---------------------------------------------------------

PENALTIES = ("none", "l1", "l2")


def regularization_data(seed: int = 0, n_train: int = 60, n_val: int = 300, noise: float = 0.3):
    """A small noisy two-moons training set and a large validation set from the same distribution.

    Few training points and much noise make a big network overfit, which is what
    regularization is for. Returns ``(X_train, y_train, X_val, y_val)``: features (N, 2)
    float64, targets (N, 1) float64 in {0, 1} (the shape :class:`~nnlib.losses.BCEWithLogitsLoss`
    wants).
    """
    rng = np.random.default_rng(int_in_range(seed, "seed", 0))
    X, y = nn_data.moons(n_train + n_val, noise=noise, rng=rng)
    y = y[:, None].astype(np.float64)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


@dataclass(frozen=True)
class RegularizationRun:
    """What one training run with a given regularization shows.

    Attributes:
        history: ``"epoch"`` (the epochs at which the model was evaluated, counting from 1)
            and, at each of them, ``"train_loss"``, ``"val_loss"``, ``"train_accuracy"``,
            ``"val_accuracy"``, all measured in evaluation mode, without the penalty (so
            train and validation are measured the same way).
        grid_x, grid_y: the grid axes; ``probability[i, j]`` is the model's probability of
            class 1 at ``(grid_x[j], grid_y[i])``.
        weight_norm: the L2 norm of all Linear weights after training.
        near_zero_fraction: the fraction of those weights with :math:`|w| < 10^{-3}` (L1 drives
            weights to zero).
    """

    history: dict
    grid_x: np.ndarray
    grid_y: np.ndarray
    probability: np.ndarray
    weight_norm: float
    near_zero_fraction: float


REGULARIZATION_BOUNDS = (-1.8, 2.8, -1.4, 1.9)
"""The (x_min, x_max, y_min, y_max) of the decision-boundary view."""


def build_classifier(dropout: float = 0.0, batch_norm: bool = False, hidden: int = 64,
                     rng=None) -> layers.Sequential:
    """A 2 -> hidden -> hidden -> 1 ReLU network, optionally with BatchNorm and Dropout.

    Each hidden block is ``Linear``, then ``BatchNorm1d`` (if ``batch_norm``), ``ReLU``, then
    ``Dropout(dropout)`` (if ``dropout > 0``). The output is a logit.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    modules: list[layers.Module] = []
    width_in = 2
    for _ in range(2):
        modules.append(layers.Linear(width_in, hidden, rng=rng))
        if batch_norm:
            modules.append(layers.BatchNorm1d(hidden))
        modules.append(layers.ReLU())
        if dropout > 0:
            modules.append(layers.Dropout(dropout, rng=rng))
        width_in = hidden
    modules.append(layers.Linear(hidden, 1, rng=rng))
    return layers.Sequential(*modules)


def train_regularized(penalty: str = "none", strength: float = 0.0, dropout: float = 0.0,
                      batch_norm: bool = False, epochs: int = 300, lr: float = 0.01,
                      batch_size: int = 20, seed: int = 0, grid_size: int = 60,
                      eval_every: int = 5, data=None) -> RegularizationRun:
    r"""Train :func:`build_classifier` on :func:`regularization_data` with nnlib; record the run.

    Training is :func:`nnlib.train.fit` (Adam, ``lr``, binary cross-entropy on logits,
    mini-batches of ``batch_size``), one epoch per call so that every ``eval_every`` epochs
    (and after the last) the model can be evaluated on both sets with
    :func:`nnlib.train.evaluate` in evaluation mode.
    ``penalty`` ``"l1"`` adds :math:`\lambda\sum|w|`, ``"l2"`` adds
    :math:`\tfrac\lambda2\sum w^2` (``strength`` = :math:`\lambda`) over the Linear weights
    (:mod:`nnlib.regularization`). ``data`` defaults to ``regularization_data(seed)``.
    Everything random (weights, dropout masks, shuffling) comes from ``seed``.
    """
    _choice(penalty, "penalty", PENALTIES)
    strength = non_negative(strength, "strength")
    dropout = in_unit_interval(dropout, "dropout")
    epochs = positive_int(epochs, "epochs")
    eval_every = positive_int(eval_every, "eval_every")
    X_train, y_train, X_val, y_val = regularization_data(seed) if data is None else data
    rng = np.random.default_rng(int_in_range(seed, "seed", 0) + 1)
    model = build_classifier(dropout=dropout, batch_norm=bool(batch_norm), rng=rng)
    weights = regularization.weight_parameters(model)
    penalties = []
    if penalty == "l1" and strength > 0:
        penalties = [regularization.L1Penalty(weights, strength)]
    elif penalty == "l2" and strength > 0:
        penalties = [regularization.L2Penalty(weights, strength)]
    loss = losses.BCEWithLogitsLoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    history = {"epoch": [], "train_loss": [], "val_loss": [], "train_accuracy": [],
               "val_accuracy": []}
    for epoch in range(1, epochs + 1):
        train.fit(model, loss, optimizer, X_train, y_train, epochs=1, batch_size=batch_size,
                  rng=rng, progress=False, penalties=penalties)
        if epoch % eval_every and epoch != epochs:
            continue
        history["epoch"].append(epoch)
        for split, (X, y) in (("train", (X_train, y_train)), ("val", (X_val, y_val))):
            scores = train.evaluate(model, loss, X, y, metrics=("accuracy",))
            history[f"{split}_loss"].append(scores["loss"])
            history[f"{split}_accuracy"].append(scores["accuracy"])
    grid_size = int_in_range(grid_size, "grid_size", 2)
    x_min, x_max, y_min, y_max = REGULARIZATION_BOUNDS
    grid_x, grid_y = np.linspace(x_min, x_max, grid_size), np.linspace(y_min, y_max, grid_size)
    GX, GY = np.meshgrid(grid_x, grid_y)
    model.eval()
    logits = model(np.column_stack([GX.ravel(), GY.ravel()]))
    probability = sigmoid(logits).reshape(grid_size, grid_size)
    all_weights = np.concatenate([w.data.ravel() for w in weights])
    return RegularizationRun(
        history={k: np.array(v) for k, v in history.items()}, grid_x=grid_x, grid_y=grid_y,
        probability=probability, weight_norm=float(np.linalg.norm(all_weights)),
        near_zero_fraction=float(np.mean(np.abs(all_weights) < 1e-3)),
    )


__all__ = [
    "PALETTE", "ACTIVATION_LABELS", "ACTIVATION_NAMES", "activation_curve", "activation_at",
    "input_grid", "vanishing_regions", "Surface", "SURFACE_NAMES", "SURFACE_LABELS",
    "make_surface", "OPTIMIZER_NAMES", "OPTIMIZER_LABELS", "OPTIMIZER_DEFAULTS",
    "make_optimizer", "DIVERGENCE_RADIUS", "Trajectory", "run_optimizer", "FLOW_ACTIVATIONS",
    "FLOW_INITS", "build_deep_mlp", "GradientFlow", "gradient_flow", "PENALTIES",
    "regularization_data", "RegularizationRun", "REGULARIZATION_BOUNDS", "build_classifier",
    "train_regularized",
]
