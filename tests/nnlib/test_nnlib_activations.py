"""Activations: values and derivatives against PyTorch (float64), stability, dtypes, ranges."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnlib import activations as act
from nnlib import layers

# name -> (nnlib function, nnlib derivative, torch function)
PAIRS = {
    "sigmoid": (act.sigmoid, act.sigmoid_derivative, torch.sigmoid),
    "tanh": (act.tanh, act.tanh_derivative, torch.tanh),
    "relu": (act.relu, act.relu_derivative, torch.relu),
    "leaky_relu_default": (act.leaky_relu, act.leaky_relu_derivative, F.leaky_relu),
    "leaky_relu_0.2": (lambda x: act.leaky_relu(x, negative_slope=0.2),
                       lambda x: act.leaky_relu_derivative(x, negative_slope=0.2),
                       lambda t: F.leaky_relu(t, negative_slope=0.2)),
    "gelu": (act.gelu, act.gelu_derivative, F.gelu),
    "gelu_tanh": (lambda x: act.gelu(x, approximate="tanh"),
                  lambda x: act.gelu_derivative(x, approximate="tanh"),
                  lambda t: F.gelu(t, approximate="tanh")),
    "silu": (act.silu, act.silu_derivative, F.silu),
    "swish": (act.swish, act.swish_derivative, F.silu),
}


def sample_inputs(rng):
    """Random values, the kink at exactly 0, and some large magnitudes."""
    return np.concatenate([4 * rng.standard_normal(50), [0.0, -0.0, 1e-12, -1e-12, 30.0, -30.0]])


def torch_value_and_grad(torch_fn, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = torch_fn(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_activation_matches_torch(name, rng):
    fn, _, torch_fn = PAIRS[name]
    x = sample_inputs(rng)
    expected, _ = torch_value_and_grad(torch_fn, x)
    np.testing.assert_allclose(fn(x), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_activation_derivative_matches_torch_autograd_including_at_zero(name, rng):
    _, derivative, torch_fn = PAIRS[name]
    x = sample_inputs(rng)
    _, expected = torch_value_and_grad(torch_fn, x)
    # Derivatives are of order 1, so 1e-14 absolute is rounding level. It is needed where the
    # tanh-GELU derivative cancels to ~1e-15 (x near -7): there nnlib and torch differ by ~5e-15
    # (the exact value, from 50-digit arithmetic, is -4.1e-15; torch rounds it to 0).
    np.testing.assert_allclose(derivative(x), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_and_log_softmax_match_torch(axis, rng):
    x = 3 * rng.standard_normal((4, 5))
    t = torch.tensor(x)
    np.testing.assert_allclose(act.softmax(x, axis=axis), torch.softmax(t, dim=axis).numpy(),
                               rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(act.log_softmax(x, axis=axis),
                               torch.log_softmax(t, dim=axis).numpy(), rtol=1e-13, atol=1e-15)


def test_softmax_layer_backward_matches_torch(rng):
    x = rng.standard_normal((4, 6))
    upstream = rng.standard_normal((4, 6))
    layer = layers.Softmax()
    layer(x)
    t = torch.tensor(x, requires_grad=True)
    torch.softmax(t, dim=-1).backward(torch.tensor(upstream))
    np.testing.assert_allclose(layer.backward(upstream), t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_leaky_relu_derivative_at_zero_is_the_negative_slope():
    assert act.leaky_relu_derivative(np.array([0.0]), negative_slope=0.3)[0] == 0.3


def test_relu_derivative_at_zero_is_zero():
    assert act.relu_derivative(np.array([0.0]))[0] == 0.0


# --- stability -----------------------------------------------------------------------------

EXTREMES = np.array([-1000.0, -100.0, -40.0, 0.0, 40.0, 100.0, 1000.0])


def test_sigmoid_is_finite_and_correct_at_plus_minus_1000(raise_on_float_errors):
    s = act.sigmoid(EXTREMES)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    # Far from saturation on the negative side, e^x/(1+e^x) keeps full relative precision.
    assert s[2] == pytest.approx(math.exp(-40.0) / (1 + math.exp(-40.0)), rel=1e-14)
    np.testing.assert_allclose(act.sigmoid(EXTREMES), torch.sigmoid(torch.tensor(EXTREMES)),
                               rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_elementwise_activation_and_derivative_are_finite_at_plus_minus_1000(
        name, raise_on_float_errors):
    fn, derivative, torch_fn = PAIRS[name]
    values, grads = fn(EXTREMES), derivative(EXTREMES)
    assert np.all(np.isfinite(values)) and np.all(np.isfinite(grads))
    expected_values, expected_grads = torch_value_and_grad(torch_fn, EXTREMES)
    np.testing.assert_allclose(values, expected_values, rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(grads, expected_grads, rtol=1e-13, atol=1e-300)


def test_softmax_of_huge_logits_is_finite_and_correct(raise_on_float_errors):
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -1000.0]])
    s = act.softmax(x)
    np.testing.assert_array_equal(s, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])


def test_log_softmax_of_huge_logits_is_finite_and_correct(raise_on_float_errors):
    x = np.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, -1000.0]])
    out = act.log_softmax(x)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, [[0.0, -1000.0, -2000.0],
                                     [-math.log(2), -math.log(2), -2000.0 - math.log(2)]],
                               rtol=1e-15)


# --- dtypes --------------------------------------------------------------------------------

ALL_FUNCTIONS = {name: fn for name, (fn, _, _) in PAIRS.items()}
ALL_FUNCTIONS.update({f"{name}_derivative": d for name, (_, d, _) in PAIRS.items()})
ALL_FUNCTIONS.update({"softmax": act.softmax, "log_softmax": act.log_softmax})


@pytest.mark.parametrize("name", sorted(ALL_FUNCTIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_keeps_the_input_dtype(name, dtype, rng):
    x = rng.standard_normal((3, 4)).astype(dtype)
    out = ALL_FUNCTIONS[name](x)
    assert out.dtype == dtype and out.shape == x.shape


LAYER_FACTORIES = {
    "sigmoid": layers.Sigmoid, "tanh": layers.Tanh, "relu": layers.ReLU,
    "leaky_relu": layers.LeakyReLU, "gelu": layers.GELU,
    "gelu_tanh": lambda: layers.GELU(approximate="tanh"), "silu": layers.SiLU,
    "softmax": layers.Softmax,
}


@pytest.mark.parametrize("name", sorted(LAYER_FACTORIES))
def test_activation_layer_keeps_float32_forward_and_backward(name, rng):
    layer = LAYER_FACTORIES[name]()
    x = rng.standard_normal((3, 4)).astype(np.float32)
    assert layer(x).dtype == np.float32
    assert layer.backward(rng.standard_normal((3, 4)).astype(np.float32)).dtype == np.float32


def test_integer_input_to_an_activation_is_refused():
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array, got dtype int64"):
        act.sigmoid(np.arange(3))


def test_unknown_gelu_approximation_is_refused():
    with pytest.raises(ValueError, match=r"approximate.*'erf'"):
        act.gelu(np.zeros(2), approximate="erf")


def test_softmax_axis_out_of_range_names_the_axis_and_shape():
    with pytest.raises(ValueError, match=r"axis 2 .*\(2, 3\)"):
        act.softmax(np.zeros((2, 3)), axis=2)


# --- the table -----------------------------------------------------------------------------

def grid_minimum(fn, low, high):
    """The minimum of a one-dip function, on a coarse grid and then a fine one around it."""
    coarse = np.linspace(low, high, 3001)
    centre = coarse[np.argmin(fn(coarse))]
    fine = np.linspace(centre - 2e-3, centre + 2e-3, 4001)
    return float(np.min(fn(fine)))


def test_activation_table_ranges_bound_gelu_and_silu_below():
    def gelu_reference(x):
        return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))

    def silu_reference(x):
        return x / (1 + np.exp(-x))

    def gelu_tanh_reference(x):
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))

    assert act.ACTIVATIONS["gelu"].range[0] == pytest.approx(grid_minimum(gelu_reference, -3, 0),
                                                             abs=1e-10)
    assert act.ACTIVATIONS["silu"].range[0] == pytest.approx(grid_minimum(silu_reference, -3, 0),
                                                             abs=1e-10)
    assert act.ACTIVATIONS["gelu_tanh"].range[0] == pytest.approx(
        grid_minimum(gelu_tanh_reference, -3, 0), abs=1e-10)
    assert act.ACTIVATIONS["gelu"].range[0] == pytest.approx(-0.16997, abs=1e-5)
    assert act.ACTIVATIONS["silu"].range[0] == pytest.approx(-0.27846, abs=1e-5)
    assert act.ACTIVATIONS["swish"] is act.ACTIVATIONS["silu"]
    assert act.ACTIVATIONS["sigmoid"].range == (0.0, 1.0)
    assert act.ACTIVATIONS["tanh"].range == (-1.0, 1.0)


def test_activation_intervals_are_closed_exactly_where_the_bound_is_attained():
    intervals = {name: a.interval for name, a in act.ACTIVATIONS.items()}
    assert intervals["sigmoid"] == "(0, 1)"
    assert intervals["relu"] == "[0, ∞)"
    assert intervals["leaky_relu"] == "(−∞, ∞)"
    assert intervals["gelu"].startswith("[-0.17") and intervals["silu"].startswith("[-0.2785")
    x = np.linspace(-5, 5, 100_001)
    for name, a in act.ACTIVATIONS.items():
        attained = bool(np.min(a.fn(x)) <= a.range[0] + 1e-9)
        assert a.closed[0] == attained, name
