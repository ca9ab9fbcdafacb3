"""Architecture layers (chapter 06): Linear on (N, ..., D), LayerNorm, MultiHeadAttention,
Conv2d, MaxPool2d and Flatten, each against a numerical gradient (float64, random upstream
gradient), against PyTorch in float64 (forward and every gradient), in float32, and on bad input.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnlib import layers, losses, optim
from nnlib.data import digits
from nnlib.gradcheck import check_module
from nnlib.train import fit

TOLERANCE = 1e-7


def as_torch(array, requires_grad=False):
    return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)


def assert_all_below(errors, tolerance=TOLERANCE):
    assert errors, "check_module returned no errors to check"
    bad = {name: error for name, error in errors.items() if not error < tolerance}
    assert not bad, f"relative errors above {tolerance}: {bad} (all: {errors})"


def assert_close(ours, theirs, tolerance=1e-12):
    """Equal to float64 rounding: ``|ours - theirs| <= tolerance * (1 + max|theirs|)``."""
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape
    scale = 1.0 + np.max(np.abs(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tolerance * scale)


def randomize_parameters(module, rng):
    """Random values in every parameter (LayerNorm starts at ones/zeros, biases at zero)."""
    for parameter in module.parameters():
        parameter.data[...] = rng.standard_normal(parameter.shape)


# --- Linear on (N, ..., in_features) -------------------------------------------------------

@pytest.mark.torch
def test_linear_on_a_batch_of_sequences_matches_torch(rng):
    layer = layers.Linear(4, 3, rng=rng)
    randomize_parameters(layer, rng)
    reference = torch.nn.Linear(4, 3, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(as_torch(layer.weight.data.T))
        reference.bias.copy_(as_torch(layer.bias.data))
    x = rng.standard_normal((2, 5, 4))
    upstream = rng.standard_normal((2, 5, 3))
    tx = as_torch(x, requires_grad=True)
    tout = reference(tx)
    tout.backward(as_torch(upstream))

    assert_close(layer(x), tout)
    assert_close(layer.backward(upstream), tx.grad)
    assert_close(layer.weight.grad, reference.weight.grad.T)
    assert_close(layer.bias.grad, reference.bias.grad)


def test_linear_gradients_on_a_batch_of_sequences_match_numerical_ones(rng):
    layer = layers.Linear(4, 3, rng=rng)
    randomize_parameters(layer, rng)
    assert_all_below(check_module(layer, rng.standard_normal((2, 3, 4)), rng))


def test_linear_without_input_grad_on_sequences_returns_none_and_fills_its_gradients(rng):
    layer = layers.Linear(4, 3, rng=rng)
    layer.needs_input_grad = False
    x = rng.standard_normal((2, 3, 4))
    layer(x)
    assert layer.backward(np.ones((2, 3, 3))) is None
    np.testing.assert_allclose(layer.weight.grad, x.reshape(-1, 4).T @ np.ones((6, 3)))


def test_linear_refuses_sequences_of_the_wrong_width(rng):
    with pytest.raises(ValueError, match=r"Linear\(3, 2\) expects x of shape \(batch, \.\.\., 3\), "
                                         r"got \(2, 5, 4\)"):
        layers.Linear(3, 2, rng=rng)(np.zeros((2, 5, 4)))


def test_linear_backward_on_sequences_refuses_a_gradient_of_the_wrong_shape(rng):
    layer = layers.Linear(3, 2, rng=rng)
    layer(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have the forward output's shape "
                                         r"\(2, 5, 2\), got \(10, 2\)"):
        layer.backward(np.zeros((10, 2)))


def test_float32_linear_keeps_float32_on_sequences(rng):
    layer = layers.Linear(4, 3, rng=rng, dtype=np.float32)
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    assert layer(x).dtype == np.float32
    assert layer.backward(np.ones((2, 3, 3), np.float32)).dtype == np.float32
    assert layer.weight.grad.dtype == np.float32
