"""explorers.core against nnlib itself: the explorers show nnlib's numbers, exactly."""
from __future__ import annotations

import math

import numpy as np
import pytest

from explorers import core
from nnlib import layers, losses, optim, regularization, train
from nnlib.activations import ACTIVATIONS
from nnlib.gradcheck import numerical_gradient
from nnlib.layers import Parameter


# --- activations -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", core.ACTIVATION_NAMES)
def test_activation_curve_is_exactly_nnlibs_function_and_derivative(name):
    x = np.linspace(-7.0, 7.0, 301)
    f, d = core.activation_curve(name, x, negative_slope=0.2)
    entry = ACTIVATIONS[name]
    if name == "leaky_relu":
        expected = entry.fn(x, negative_slope=0.2), entry.derivative(x, negative_slope=0.2)
    else:
        expected = entry.fn(x), entry.derivative(x)
    assert np.array_equal(f, expected[0])
    assert np.array_equal(d, expected[1])


def test_leaky_relu_curve_uses_the_slope_it_is_given():
    x = np.array([-2.0, 3.0])
    f, d = core.activation_curve("leaky_relu", x, negative_slope=0.3)
    assert np.allclose(f, [-0.6, 3.0])
    assert d.tolist() == [0.3, 1.0]


def test_activation_at_is_the_curve_at_one_point():
    for name in core.ACTIVATION_NAMES:
        value, slope = core.activation_at(name, -1.25, negative_slope=0.05)
        f, d = core.activation_curve(name, np.array([-1.25]), 0.05)
        assert (value, slope) == (f[0], d[0])


def test_unknown_activation_is_refused_with_its_name():
    with pytest.raises(ValueError, match="'softplus'"):
        core.activation_curve("softplus", np.zeros(3))


def test_vanishing_regions_are_the_runs_below_the_threshold():
    x = np.arange(10.0)
    d = np.array([0.0, 0.001, 0.5, 0.5, 0.009, 0.5, 0.0, 0.0, 0.0, 0.02])
    assert core.vanishing_regions(x, d, threshold=0.01) == [(0.0, 1.0), (4.0, 4.0), (6.0, 8.0)]
    assert core.vanishing_regions(x, d, threshold=1e-4) == [(0.0, 0.0), (6.0, 8.0)]


def test_sigmoid_gradient_vanishes_beyond_the_analytic_point():
    # sigma'(x) = 0.01 where sigma(x) = (1 + sqrt(1 - 0.04)) / 2, i.e. |x| = 4.5951...
    edge = math.log((1 + math.sqrt(0.96)) / (1 - math.sqrt(0.96)))
    x = core.input_grid(-8, 8, 1601)
    _, d = core.activation_curve("sigmoid", x)
    (left, right) = core.vanishing_regions(x, d, 0.01)
    step = x[1] - x[0]
    assert left[0] == -8.0 and abs(left[1] + edge) <= step
    assert right[1] == 8.0 and abs(right[0] - edge) <= step


def test_vanishing_regions_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        core.vanishing_regions(np.zeros(3), np.zeros(4))


# --- surfaces and optimizers ----------------------------------------------------------------

SURFACES = [core.make_surface("bowl", 7.0), *(core.make_surface(n) for n in core.SURFACE_NAMES[1:])]


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.key)
def test_surface_gradient_matches_a_numerical_gradient(surface):
    rng = np.random.default_rng(1)
    x_min, x_max, y_min, y_max = surface.bounds
    for _ in range(5):
        point = np.array([rng.uniform(x_min, x_max), rng.uniform(y_min, y_max)])
        numeric = numerical_gradient(lambda p: surface.loss(p), point.copy())
        assert np.allclose(surface.grad(point), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.key)
def test_surface_minimum_is_a_stationary_point_with_the_stated_value(surface):
    assert np.allclose(surface.grad(np.array(surface.minimum)), 0.0, atol=1e-12)
    assert surface.loss(surface.minimum) == pytest.approx(surface.min_value, abs=1e-12)
    _, _, Z = surface.grid(101)
    assert Z.min() >= surface.min_value - 1e-12


def test_two_wells_has_a_local_minimum_above_the_global_one():
    surface = core.make_surface("two_wells")
    local = np.array([0.96014956, 0.0])
    assert np.allclose(surface.grad(local), 0.0, atol=1e-6)
    assert surface.loss(local) > surface.min_value + 0.5


def test_bowl_condition_number_is_the_curvature_ratio():
    surface = core.make_surface("bowl", 25.0)
    # f is quadratic, so the gradient is H p with H = diag(1/kappa, 1)
    assert np.allclose(surface.grad(np.array([1.0, 0.0])), [1 / 25.0, 0.0])
    assert np.allclose(surface.grad(np.array([0.0, 1.0])), [0.0, 1.0])
    with pytest.raises(ValueError, match="0.5"):
        core.make_surface("bowl", 0.5)


def _direct_optimizer(name, point, lr, hyper):
    """nnlib's optimizer classes built here, independently of core.make_optimizer."""
    if name == "sgd":
        return optim.SGD([point], lr=lr)
    if name == "momentum":
        return optim.SGD([point], lr=lr, momentum=hyper["momentum"])
    if name == "rmsprop":
        return optim.RMSprop([point], lr=lr, alpha=hyper["alpha"])
    if name == "adam":
        return optim.Adam([point], lr=lr, betas=(hyper["beta1"], hyper["beta2"]))
    return optim.AdamW([point], lr=lr, betas=(hyper["beta1"], hyper["beta2"]),
                       weight_decay=hyper["weight_decay"])


HYPER = {"sgd": {}, "momentum": {"momentum": 0.8}, "rmsprop": {"alpha": 0.9},
         "adam": {"beta1": 0.8, "beta2": 0.99}, "adamw": {"beta1": 0.9, "beta2": 0.999,
                                                          "weight_decay": 0.3}}


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.key)
@pytest.mark.parametrize("name", core.OPTIMIZER_NAMES)
def test_trajectory_is_exactly_nnlibs_optimizer_stepping_a_parameter(surface, name):
    lr = surface.default_lr[name]
    run = core.run_optimizer(surface, name, lr, steps=150, start=(0.7, -0.4), **HYPER[name])
    point = Parameter(np.array([0.7, -0.4]))
    optimizer = _direct_optimizer(name, point, lr, HYPER[name])
    expected = [point.data.copy()]
    for _ in range(150):
        optimizer.zero_grad()
        x, y = point.data
        gx, gy = surface.gradient(x, y)
        point.grad[:] = [gx, gy]
        optimizer.step()
        expected.append(point.data.copy())
    expected = np.array(expected)
    assert not run.diverged
    assert np.array_equal(run.points, expected)
    assert np.array_equal(run.losses, surface.value(expected[:, 0], expected[:, 1]))


def test_default_start_is_the_surfaces_start():
    surface = core.make_surface("saddle")
    run = core.run_optimizer(surface, "adam", 0.05, steps=3)
    assert tuple(run.points[0]) == surface.start


def test_a_diverging_run_stops_and_says_so_without_warnings():
    surface = core.make_surface("bowl", 1.0)  # gradient descent is unstable above lr = 2
    run = core.run_optimizer(surface, "sgd", 5.0, steps=500)
    assert run.diverged
    assert run.steps < 500
    assert np.all(np.isfinite(run.points))
    assert np.max(np.abs(run.points[-1])) > core.DIVERGENCE_RADIUS
    assert np.max(np.abs(run.points[-2])) <= core.DIVERGENCE_RADIUS


def test_a_stable_run_converges_on_the_bowl():
    surface = core.make_surface("bowl", 1.0)
    run = core.run_optimizer(surface, "sgd", 0.5, steps=100)
    assert not run.diverged and run.steps == 100
    assert run.losses[-1] < 1e-20


def test_make_optimizer_refuses_a_hyper_parameter_it_does_not_take():
    with pytest.raises(ValueError, match="beta1"):
        core.make_optimizer("sgd", [Parameter(np.zeros(2))], lr=0.1, beta1=0.9)


def test_run_optimizer_refuses_a_bad_start():
    with pytest.raises(ValueError, match=r"\(1, 2, 3\)"):
        core.run_optimizer(core.make_surface("saddle"), "sgd", 0.1, start=(1, 2, 3))


# --- gradient flow -------------------------------------------------------------------------------

def _direct_gradient_flow(depth, activation, init, residual, width=64, batch=64, seed=0):
    """The same experiment written out with nnlib directly."""
    rng = np.random.default_rng(seed)
    nn_init = "xavier" if init == "xavier" else "he"
    scale = {"naive": 0.01, "unit_normal": 1.0}.get(init)
    act = {"sigmoid": layers.Sigmoid, "tanh": layers.Tanh, "relu": layers.ReLU,
           "leaky_relu": layers.LeakyReLU, "gelu": layers.GELU, "silu": layers.SiLU}[activation]
    linears, blocks = [], []
    for _ in range(depth):
        linear = layers.Linear(width, width, init=nn_init, rng=rng)
        linears.append(linear)
        block = layers.Sequential(linear, act())
        blocks.append(layers.Residual(block) if residual else block)
    head = layers.Linear(width, 1, init=nn_init, rng=rng)
    linears.append(head)
    if scale is not None:
        for linear in linears:
            linear.weight.data *= scale / math.sqrt(2.0 / width)
    model = layers.Sequential(*blocks, head)
    X = rng.standard_normal((batch, width))
    y = rng.standard_normal((batch, 1))
    loss = losses.MSELoss()
    value = loss(model(X), y)
    model.backward(loss.backward())
    return value, [float(np.linalg.norm(linear.weight.grad)) for linear in linears]


@pytest.mark.parametrize("activation, init, residual", [
    ("sigmoid", "xavier", False), ("relu", "he", False), ("tanh", "naive", True),
    ("gelu", "unit_normal", False), ("silu", "he", True), ("leaky_relu", "xavier", False),
])
def test_gradient_norms_equal_a_direct_nnlib_computation(activation, init, residual):
    flow = core.gradient_flow(12, activation, init, residual=residual)
    value, norms = _direct_gradient_flow(12, activation, init, residual)
    assert flow.loss == value
    assert np.array_equal(flow.weight_grad_norms, norms)
    assert flow.output_grad_norms.shape == (12,) and flow.activation_stds.shape == (12,)


def test_output_gradient_norms_are_the_gradients_between_blocks():
    flow = core.gradient_flow(3, "tanh", "xavier")
    rng = np.random.default_rng(0)
    model = core.build_deep_mlp(3, "tanh", "xavier", rng=rng)
    X, y = rng.standard_normal((64, 64)), rng.standard_normal((64, 1))
    loss = losses.MSELoss()
    hidden = [X]
    for block in model.layers:
        hidden.append(block(hidden[-1]))
    loss(hidden[-1], y)
    grad = model.layers[-1].backward(loss.backward())
    expected = []
    for block in reversed(model.layers[:-1]):
        expected.append(float(np.linalg.norm(grad)))
        grad = block.backward(grad)
    assert np.array_equal(flow.output_grad_norms, expected[::-1])
    assert np.array_equal(flow.activation_stds, [np.std(h) for h in hidden[1:-1]])


def test_sigmoid_gradients_vanish_with_depth_unless_residual():
    plain = core.gradient_flow(30, "sigmoid", "xavier")
    assert plain.weight_grad_norms[0] < 1e-12 * plain.weight_grad_norms[-2]
    skip = core.gradient_flow(30, "sigmoid", "xavier", residual=True)
    assert skip.weight_grad_norms[0] > 1e-3 * skip.weight_grad_norms[-2]


def test_relu_with_he_init_keeps_the_signal_size():
    flow = core.gradient_flow(40, "relu", "he")
    assert 0.1 < flow.activation_stds[-1] / flow.activation_stds[0] < 10


def test_gradient_flow_refuses_an_unknown_init():
    with pytest.raises(ValueError, match="'lecun'"):
        core.gradient_flow(3, "relu", "lecun")


# --- regularization ---------------------------------------------------------------------------

def test_regularization_run_equals_training_with_nnlib_directly():
    data = core.regularization_data(0)
    run = core.train_regularized("l2", 1e-2, dropout=0.2, batch_norm=True, epochs=6,
                                 eval_every=2, data=data, grid_size=5)
    X_train, y_train, X_val, y_val = data
    rng = np.random.default_rng(1)
    model = core.build_classifier(dropout=0.2, batch_norm=True, rng=rng)
    penalty = regularization.L2Penalty(regularization.weight_parameters(model), 1e-2)
    loss = losses.BCEWithLogitsLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    val_losses = []
    for epoch in range(1, 7):
        train.fit(model, loss, optimizer, X_train, y_train, epochs=1, batch_size=20, rng=rng,
                  progress=False, penalties=[penalty])
        if epoch % 2 == 0:
            val_losses.append(train.evaluate(model, loss, X_val, y_val)["loss"])
    assert run.history["epoch"].tolist() == [2, 4, 6]
    assert np.array_equal(run.history["val_loss"], val_losses)
    model.eval()
    gx, gy = np.meshgrid(run.grid_x, run.grid_y)
    logits = model(np.column_stack([gx.ravel(), gy.ravel()]))
    assert np.allclose(run.probability.ravel(), 1 / (1 + np.exp(-logits.ravel())), rtol=1e-12)


def test_strong_l1_makes_weights_sparse_and_small():
    data = core.regularization_data(0)
    free = core.train_regularized("none", 0.0, epochs=60, data=data, grid_size=4)
    sparse = core.train_regularized("l1", 3e-2, epochs=60, data=data, grid_size=4)
    assert sparse.near_zero_fraction > free.near_zero_fraction + 0.2
    assert sparse.weight_norm < free.weight_norm


def test_training_with_no_regularization_overfits_the_small_training_set():
    run = core.train_regularized("none", 0.0, epochs=300, grid_size=4)
    h = run.history
    assert h["train_loss"][-1] < 0.05
    assert h["val_loss"][-1] > 2 * h["val_loss"].min()


def test_regularization_refuses_a_dropout_of_one():
    with pytest.raises(ValueError, match="1.0"):
        core.train_regularized(dropout=1.0, epochs=1)


# --- bad numbers --------------------------------------------------------------------------------

BAD_NUMBERS = {
    "depth 0": (lambda: core.build_deep_mlp(0, "relu", "he"),
                ValueError, "depth must be in [1, 200], got 0"),
    "fractional width": (lambda: core.build_deep_mlp(3, "relu", "he", width=2.5),
                         TypeError, "width must be an integer, got 2.5 (float)"),
    "one grid point": (lambda: core.input_grid(n_points=1),
                       ValueError, "n_points must be >= 2, got 1"),
    "negative steps": (lambda: core.run_optimizer(core.make_surface("bowl"), "sgd", 0.1, steps=-1),
                       ValueError, "steps must be >= 0, got -1"),
    "boolean seed": (lambda: core.regularization_data(seed=True),
                     TypeError, "seed must be an integer, got True (bool)"),
    "nan point": (lambda: core.activation_at("relu", float("nan")),
                  ValueError, "x0 must be finite, got nan"),
    "negative strength": (lambda: core.train_regularized("l2", -1, epochs=1),
                          ValueError, "strength must be >= 0, got -1.0"),
    "dropout of one": (lambda: core.train_regularized(dropout=1, epochs=1),
                       ValueError, "dropout must be in [0, 1), got 1.0"),
}


@pytest.mark.parametrize("case", BAD_NUMBERS)
def test_bad_numbers_are_refused_naming_the_value_received(case):
    call, error, message = BAD_NUMBERS[case]
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message
