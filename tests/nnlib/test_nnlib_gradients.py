"""Every backward pass against a numerical gradient (central differences, float64).

``check_module`` draws a random standard-normal upstream gradient, so mistakes that cancel under
an all-ones upstream gradient (batch norm's input gradient, softmax's Jacobian) cannot hide.
The target is a relative error below 1e-7; a correct float64 backward pass gets ~1e-9 or better.
Inputs are kept away from the kinks of ReLU and leaky ReLU, where the derivative is undefined.
"""
import numpy as np
import pytest

from nnlib import activations as act
from nnlib import layers, losses, regularization
from nnlib.gradcheck import check_module, numerical_gradient, relative_error
from nnlib.module import Module

TOLERANCE = 1e-7


def away_from_zero(x, margin=0.1):
    """Move every entry at least ``margin`` away from 0, keeping its sign."""
    return np.where(x >= 0, 1.0, -1.0) * (np.abs(x) + margin)


class ReseededDropout(Module):
    """A training-mode Dropout whose generator is re-seeded before every forward pass.

    Each forward pass then draws the same mask, so the layer is a fixed (random) function of its
    input and can be differentiated numerically.
    """

    def __init__(self, p, seed):
        self.dropout = layers.Dropout(p)
        self.seed = seed

    def forward(self, x):
        self.dropout.rng = np.random.default_rng(self.seed)
        return self.dropout(x)

    def backward(self, grad_out):
        return self.dropout.backward(grad_out)


def assert_all_below(errors, tolerance=TOLERANCE):
    assert errors, "check_module returned no errors to check"
    bad = {name: error for name, error in errors.items() if not error < tolerance}
    assert not bad, f"relative errors above {tolerance}: {bad} (all: {errors})"


# --- the oracle itself ---------------------------------------------------------------------

def test_numerical_gradient_matches_a_known_derivative(rng):
    x = rng.standard_normal((3, 4))
    numeric = numerical_gradient(lambda v: float(np.sum(v ** 3 + np.sin(v))), x)
    np.testing.assert_allclose(numeric, 3 * x ** 2 + np.cos(x), rtol=1e-8, atol=1e-9)


def test_numerical_gradient_leaves_its_input_unchanged(rng):
    x = rng.standard_normal((2, 5))
    before = x.copy()
    numerical_gradient(lambda v: float(np.sum(v * v)), x)
    np.testing.assert_array_equal(x, before)


class CenteringWithZeroGradient(Module):
    """y = x - mean(x) with a wrong backward (zeros): right only for a constant upstream gradient."""

    def forward(self, x):
        return x - x.mean(axis=0)

    def backward(self, grad_out):
        return np.zeros_like(grad_out)


def test_check_module_catches_a_backward_that_an_all_ones_upstream_gradient_would_miss(rng):
    x = rng.standard_normal((6, 3))
    # With G = 1 the true input gradient G - mean(G) is exactly zero, like the broken one.
    ones = np.ones((6, 3))
    np.testing.assert_allclose(ones - ones.mean(axis=0), 0.0)
    errors = check_module(CenteringWithZeroGradient(), x, rng)
    assert errors["input"] > 0.5


# --- layers ----------------------------------------------------------------------------------

def _linear(rng):
    return layers.Linear(5, 3, rng=rng)


def _linear_no_bias(rng):
    return layers.Linear(5, 3, bias=False, rng=rng)


def _batchnorm_train(rng):
    bn = layers.BatchNorm1d(5)
    bn.weight.data[...] = rng.uniform(0.5, 2.0, 5)
    bn.bias.data[...] = rng.standard_normal(5)
    return bn


def _batchnorm_eval(rng):
    bn = _batchnorm_train(rng)
    bn.running_mean[...] = rng.standard_normal(5)
    bn.running_var[...] = rng.uniform(0.5, 2.0, 5)
    return bn.eval()


def _residual(rng):
    return layers.Residual(layers.Sequential(
        layers.Linear(5, 5, rng=rng), layers.Tanh(), layers.Linear(5, 5, rng=rng)))


def _dense_block(rng):
    # 5 input features, growth 2: the layers see 5, 7 and 9 features; the output has 11.
    return layers.DenseBlock(
        layers.Sequential(layers.Linear(5, 2, rng=rng), layers.Tanh()),
        layers.Sequential(layers.Linear(7, 2, rng=rng), layers.Sigmoid()),
        layers.Linear(9, 2, rng=rng),
    )


def _sequential(rng):
    # The first Linear's bias reaches BatchNorm through a Tanh, so its gradient is not zero.
    return layers.Sequential(
        layers.Linear(5, 6, rng=rng), layers.Tanh(), layers.BatchNorm1d(6), layers.SiLU(),
        layers.Linear(6, 4, rng=rng), layers.GELU(), layers.Linear(4, 3, rng=rng),
        layers.Softmax(),
    )


MODULES = {
    "linear": _linear,
    "linear_without_bias": _linear_no_bias,
    "sigmoid": lambda rng: layers.Sigmoid(),
    "tanh": lambda rng: layers.Tanh(),
    "relu": lambda rng: layers.ReLU(),
    "leaky_relu": lambda rng: layers.LeakyReLU(0.1),
    "gelu_exact": lambda rng: layers.GELU(),
    "gelu_tanh": lambda rng: layers.GELU(approximate="tanh"),
    "silu": lambda rng: layers.SiLU(),
    "softmax": lambda rng: layers.Softmax(),
    "softmax_axis0": lambda rng: layers.Softmax(axis=0),
    "dropout_eval": lambda rng: layers.Dropout(0.5).eval(),
    "dropout_train_fixed_mask": lambda rng: ReseededDropout(0.4, seed=7),
    "batchnorm_train": _batchnorm_train,
    "batchnorm_eval": _batchnorm_eval,
    "residual": _residual,
    "dense_block": _dense_block,
    "sequential": _sequential,
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_gradients_match_numerical_gradients(name, rng):
    module = MODULES[name](rng)
    x = away_from_zero(rng.standard_normal((8, 5)))
    errors = check_module(module, x, rng)
    expected_names = {"input"} | {n for n, _ in module.named_parameters()}
    assert set(errors) == expected_names
    assert_all_below(errors)


def test_dropout_train_gradient_check_really_drops_something(rng):
    # Guards the test above: a mask of all ones would make it a plain identity check.
    module = ReseededDropout(0.4, seed=7)
    out = module(np.ones((8, 5)))
    assert np.any(out == 0.0) and np.any(out != 0.0)


# --- losses -------------------------------------------------------------------------------

def _loss_case(name, rng):
    if name == "mse":
        return losses.MSELoss(), rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    if name == "bce":
        return losses.BCELoss(), rng.uniform(0.05, 0.95, (6, 3)), rng.uniform(0, 1, (6, 3))
    if name == "bce_hard_targets":
        return (losses.BCELoss(), rng.uniform(0.05, 0.95, (6, 1)),
                rng.integers(0, 2, (6, 1)).astype(float))
    if name == "bce_with_logits":
        return losses.BCEWithLogitsLoss(), 3 * rng.standard_normal((6, 3)), rng.uniform(0, 1, (6, 3))
    if name == "cross_entropy":
        return losses.CrossEntropyLoss(), 2 * rng.standard_normal((7, 4)), rng.integers(0, 4, 7)
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["mse", "bce", "bce_hard_targets", "bce_with_logits",
                                  "cross_entropy"])
def test_loss_gradient_matches_numerical_gradient(name, rng):
    loss, pred, target = _loss_case(name, rng)
    loss(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda p: loss(p, target), pred)
    assert analytic.shape == pred.shape
    assert relative_error(analytic, numeric) < TOLERANCE


# --- activation derivatives ----------------------------------------------------------------

ELEMENTWISE = {
    "sigmoid": (act.sigmoid, act.sigmoid_derivative),
    "tanh": (act.tanh, act.tanh_derivative),
    "relu": (act.relu, act.relu_derivative),
    "leaky_relu": (lambda x: act.leaky_relu(x, 0.2), lambda x: act.leaky_relu_derivative(x, 0.2)),
    "gelu": (act.gelu, act.gelu_derivative),
    "gelu_tanh": (lambda x: act.gelu(x, "tanh"), lambda x: act.gelu_derivative(x, "tanh")),
    "silu": (act.silu, act.silu_derivative),
    "swish": (act.swish, act.swish_derivative),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_activation_derivative_matches_numerical_derivative(name, rng):
    fn, derivative = ELEMENTWISE[name]
    x = away_from_zero(3 * rng.standard_normal(40))
    numeric = numerical_gradient(lambda v: float(np.sum(fn(v))), x)
    analytic = derivative(x)
    assert relative_error(analytic, numeric) < TOLERANCE
    # Elementwise too: one wrong entry among forty must not hide in the norm.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
def test_activation_table_pairs_each_function_with_its_derivative(name, rng):
    entry = act.ACTIVATIONS[name]
    x = away_from_zero(2 * rng.standard_normal(30))
    numeric = numerical_gradient(lambda v: float(np.sum(entry.fn(v))), x)
    assert relative_error(entry.derivative(x), numeric) < TOLERANCE


# --- penalties -----------------------------------------------------------------------------

@pytest.mark.parametrize("penalty_class", [regularization.L1Penalty, regularization.L2Penalty])
def test_penalty_gradient_matches_numerical_gradient(penalty_class, rng):
    params = [layers.Parameter(away_from_zero(rng.standard_normal((4, 3)))),
              layers.Parameter(away_from_zero(rng.standard_normal(5)))]
    penalty = penalty_class(params, strength=0.3)
    penalty.backward()
    for p in params:
        numeric = numerical_gradient(lambda _: penalty.value(), p.data)
        assert relative_error(p.grad, numeric) < TOLERANCE


def test_penalty_values_match_their_formulas(rng):
    w = rng.standard_normal((4, 3))
    assert regularization.l1_penalty([layers.Parameter(w)], 0.3) == pytest.approx(
        0.3 * np.abs(w).sum(), rel=1e-12)
    assert regularization.l2_penalty([layers.Parameter(w)], 0.3) == pytest.approx(
        0.15 * (w ** 2).sum(), rel=1e-12)


def test_weight_parameters_leave_out_biases_and_norm_parameters(rng):
    model = layers.Sequential(layers.Linear(3, 4, rng=rng), layers.BatchNorm1d(4),
                              layers.Linear(4, 2, rng=rng))
    chosen = regularization.weight_parameters(model)
    assert [id(p) for p in chosen] == [id(model[0].weight), id(model[2].weight)]
