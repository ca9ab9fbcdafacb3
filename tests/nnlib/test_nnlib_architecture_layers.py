"""Architecture layers (chapter 06): Linear on (N, ..., D), LayerNorm, MultiHeadAttention,
Conv2d, MaxPool2d and Flatten, each against a numerical gradient (float64, random upstream
gradient), against PyTorch in float64 (forward and every gradient), in float32, and on bad input.
"""
import re

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


# --- LayerNorm -----------------------------------------------------------------------------

def torch_layer_norm_like(norm):
    reference = torch.nn.LayerNorm(norm.normalized_shape, eps=norm.eps, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(as_torch(norm.weight.data))
        reference.bias.copy_(as_torch(norm.bias.data))
    return reference


@pytest.mark.torch
def test_layer_norm_output_and_every_gradient_match_torch(rng):
    norm = layers.LayerNorm(6)
    randomize_parameters(norm, rng)
    reference = torch_layer_norm_like(norm)
    x = 3.0 * rng.standard_normal((2, 4, 6)) + 1.0
    upstream = rng.standard_normal((2, 4, 6))
    tx = as_torch(x, requires_grad=True)
    tout = reference(tx)
    tout.backward(as_torch(upstream))

    assert_close(norm(x), tout)
    assert_close(norm.backward(upstream), tx.grad)
    assert_close(norm.weight.grad, reference.weight.grad)
    assert_close(norm.bias.grad, reference.bias.grad)


@pytest.mark.parametrize("shape", [(5, 6), (2, 3, 6)])
def test_layer_norm_gradients_match_numerical_ones(shape, rng):
    norm = layers.LayerNorm(6)
    randomize_parameters(norm, rng)
    assert_all_below(check_module(norm, rng.standard_normal(shape), rng))


def test_layer_norm_starts_as_torchs_and_normalizes_each_position(rng):
    norm = layers.LayerNorm(8)
    np.testing.assert_array_equal(norm.weight.data, np.ones(8))
    np.testing.assert_array_equal(norm.bias.data, np.zeros(8))
    y = norm(5.0 * rng.standard_normal((3, 4, 8)) - 2.0)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-5)  # biased variance, eps 1e-5


def test_layer_norm_refuses_the_wrong_width():
    with pytest.raises(ValueError, match=r"LayerNorm\(4\) expects x of shape \(\.\.\., 4\), "
                                         r"got \(2, 3, 5\)"):
        layers.LayerNorm(4)(np.zeros((2, 3, 5)))


# --- MultiHeadAttention --------------------------------------------------------------------

def torch_attention_like(attention):
    """torch.nn.MultiheadAttention with the same numbers (torch's weights are (out, in))."""
    d, bias = attention.embed_dim, attention.q_proj.bias is not None
    reference = torch.nn.MultiheadAttention(d, attention.num_heads, bias=bias, batch_first=True,
                                            dtype=torch.float64)
    projections = (attention.q_proj, attention.k_proj, attention.v_proj)
    with torch.no_grad():
        reference.in_proj_weight.copy_(as_torch(np.concatenate([p.weight.data.T
                                                                for p in projections])))
        reference.out_proj.weight.copy_(as_torch(attention.out_proj.weight.data.T))
        if bias:
            reference.in_proj_bias.copy_(as_torch(np.concatenate([p.bias.data
                                                                  for p in projections])))
            reference.out_proj.bias.copy_(as_torch(attention.out_proj.bias.data))
    return reference


def torch_attention_gradients(attention, x, upstream):
    """torch's output, attention weights (per head) and gradients, in nnlib's layout."""
    reference = torch_attention_like(attention)
    t = x.shape[1]
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1) if attention.causal else None
    tx = as_torch(x, requires_grad=True)
    tout, tweights = reference(tx, tx, tx, attn_mask=mask, need_weights=True,
                               average_attn_weights=False)
    tout.backward(as_torch(upstream))
    d = attention.embed_dim
    in_w, found = reference.in_proj_weight.grad.numpy(), {}
    for index, name in enumerate(("q_proj", "k_proj", "v_proj")):
        found[f"{name}.weight"] = in_w[index * d:(index + 1) * d].T
        if reference.in_proj_bias is not None:
            found[f"{name}.bias"] = reference.in_proj_bias.grad.numpy()[index * d:(index + 1) * d]
    found["out_proj.weight"] = reference.out_proj.weight.grad.numpy().T
    if reference.out_proj.bias is not None:
        found["out_proj.bias"] = reference.out_proj.bias.grad.numpy()
    return tout, tweights, tx.grad, found


@pytest.mark.torch
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_attention_output_weights_and_every_gradient_match_torch(causal, bias, rng):
    attention = layers.MultiHeadAttention(8, 2, causal=causal, bias=bias, rng=rng)
    randomize_parameters(attention, rng)
    x = rng.standard_normal((3, 5, 8))
    upstream = rng.standard_normal((3, 5, 8))
    tout, tweights, tgrad_x, tgrads = torch_attention_gradients(attention, x, upstream)

    assert_close(attention(x), tout)
    assert_close(attention.attention_weights, tweights)
    assert_close(attention.backward(upstream), tgrad_x)
    named = dict(attention.named_parameters())
    assert set(named) == set(tgrads)
    for name, expected in tgrads.items():
        assert_close(named[name].grad, expected)


@pytest.mark.parametrize("causal", [False, True])
def test_attention_gradients_match_numerical_ones(causal, rng):
    attention = layers.MultiHeadAttention(6, 3, causal=causal, rng=rng)
    randomize_parameters(attention, rng)
    errors = check_module(attention, rng.standard_normal((2, 4, 6)), rng)
    # The key bias adds q_i . b_k to every score of row i, which softmax ignores: its true
    # gradient is exactly zero, so its relative error is noise over noise (see relative_error).
    del errors["k_proj.bias"]
    assert_all_below(errors)
    np.testing.assert_allclose(attention.k_proj.bias.grad, 0.0, atol=1e-12)


def test_causal_attention_gives_no_weight_to_later_positions(rng):
    attention = layers.MultiHeadAttention(4, 2, causal=True, rng=rng)
    attention(rng.standard_normal((2, 5, 4)))
    weights = attention.attention_weights
    assert weights.shape == (2, 2, 5, 5)
    assert np.all(weights[..., np.triu_indices(5, k=1)[0], np.triu_indices(5, k=1)[1]] == 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-12)


def test_causal_attention_output_at_a_position_ignores_later_inputs(rng):
    attention = layers.MultiHeadAttention(4, 2, causal=True, rng=rng)
    x = rng.standard_normal((1, 5, 4))
    changed = x.copy()
    changed[:, 3:] += 10.0
    np.testing.assert_allclose(attention(x)[:, :3], attention(changed)[:, :3], rtol=1e-12)


def test_attention_projections_are_linear_d_by_d(rng):
    attention = layers.MultiHeadAttention(8, 4, rng=rng)
    for proj in (attention.q_proj, attention.k_proj, attention.v_proj, attention.out_proj):
        assert isinstance(proj, layers.Linear) and proj.weight.shape == (8, 8)


def test_attention_refuses_heads_that_do_not_divide_the_width():
    with pytest.raises(ValueError, match=r"embed_dim must be divisible by num_heads, got "
                                         r"embed_dim=6 and num_heads=4"):
        layers.MultiHeadAttention(6, 4)


def test_attention_refuses_a_batch_without_a_time_axis(rng):
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, embed_dim\), got "
                                         r"shape \(2, 4\)"):
        layers.MultiHeadAttention(4, 2, rng=rng)(np.zeros((2, 4)))


def test_attention_refuses_the_wrong_width(rng):
    with pytest.raises(ValueError, match=r"MultiHeadAttention\(4, 2\) expects x of shape "
                                         r"\(batch, time, 4\), got \(2, 3, 5\)"):
        layers.MultiHeadAttention(4, 2, rng=rng)(np.zeros((2, 3, 5)))


# --- Conv2d --------------------------------------------------------------------------------

CONV_CASES = {  # (kernel_size, stride, padding)
    "3x3": (3, 1, 0),
    "3x3 padded, stride 2": (3, 2, 1),
    "2x3, stride (2, 1), padding (0, 2)": ((2, 3), (2, 1), (0, 2)),
    "1x1": (1, 1, 0),
}


def torch_conv_like(conv):
    reference = torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size,
                                stride=conv.stride, padding=conv.padding,
                                bias=conv.bias is not None, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(as_torch(conv.weight.data))
        if conv.bias is not None:
            reference.bias.copy_(as_torch(conv.bias.data))
    return reference


@pytest.mark.torch
@pytest.mark.parametrize("case", list(CONV_CASES))
@pytest.mark.parametrize("bias", [True, False])
def test_conv_output_and_every_gradient_match_torch(case, bias, rng):
    kernel, stride, padding = CONV_CASES[case]
    conv = layers.Conv2d(3, 4, kernel, stride=stride, padding=padding, bias=bias, rng=rng)
    randomize_parameters(conv, rng)
    reference = torch_conv_like(conv)
    x = rng.standard_normal((2, 3, 7, 6))
    tx = as_torch(x, requires_grad=True)
    tout = reference(tx)
    upstream = rng.standard_normal(tuple(tout.shape))
    tout.backward(as_torch(upstream))

    assert_close(conv(x), tout)
    assert_close(conv.backward(upstream), tx.grad)
    assert_close(conv.weight.grad, reference.weight.grad)
    if bias:
        assert_close(conv.bias.grad, reference.bias.grad)


@pytest.mark.parametrize("case", list(CONV_CASES))
def test_conv_gradients_match_numerical_ones(case, rng):
    kernel, stride, padding = CONV_CASES[case]
    conv = layers.Conv2d(2, 3, kernel, stride=stride, padding=padding, rng=rng)
    randomize_parameters(conv, rng)
    assert_all_below(check_module(conv, rng.standard_normal((2, 2, 5, 6)), rng))


def test_conv_weight_has_torchs_layout_and_bias_starts_at_zero(rng):
    conv = layers.Conv2d(3, 5, (2, 4), rng=rng)
    assert conv.weight.shape == (5, 3, 2, 4)
    np.testing.assert_array_equal(conv.bias.data, np.zeros(5))


def test_conv_without_input_grad_returns_none_and_fills_its_gradients(rng):
    conv = layers.Conv2d(1, 2, 3, rng=rng)
    x = rng.standard_normal((2, 1, 5, 5))
    upstream = rng.standard_normal((2, 2, 3, 3))
    conv(x)
    conv.backward(upstream)
    expected = conv.weight.grad.copy()
    conv.zero_grad()
    conv.needs_input_grad = False
    conv(x)
    assert conv.backward(upstream) is None
    np.testing.assert_array_equal(conv.weight.grad, expected)


def test_conv_refuses_the_wrong_number_of_channels(rng):
    with pytest.raises(ValueError, match=r"Conv2d\(3, 4\) expects x of shape \(batch, 3, height, "
                                         r"width\), got \(2, 1, 8, 8\)"):
        layers.Conv2d(3, 4, 3, rng=rng)(np.zeros((2, 1, 8, 8)))


def test_conv_refuses_an_image_without_a_batch_axis(rng):
    with pytest.raises(ValueError, match=r"x must have shape \(batch, channels, height, width\), "
                                         r"got shape \(1, 8, 8\)"):
        layers.Conv2d(1, 4, 3, rng=rng)(np.zeros((1, 8, 8)))


def test_conv_refuses_a_kernel_larger_than_the_padded_input(rng):
    with pytest.raises(ValueError, match=r"Conv2d: the kernel \(5, 5\) is larger than the "
                                         r"\(padded\) input \(4, 6\)"):
        layers.Conv2d(1, 1, 5, padding=(1, 2), rng=rng)(np.zeros((1, 1, 2, 2)))


@pytest.mark.parametrize("bad", [0, (3,), (3, 0), 2.5, "3"])
def test_conv_refuses_a_bad_kernel_size(bad):
    with pytest.raises((TypeError, ValueError), match="kernel_size"):
        layers.Conv2d(1, 1, bad)


# --- MaxPool2d and Flatten -----------------------------------------------------------------

POOL_CASES = {"2x2": (2, None), "3x3, stride 2 (overlapping)": (3, 2), "2x3, stride (1, 2)":
              ((2, 3), (1, 2))}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(POOL_CASES))
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_output_and_gradient_match_torch(case, ties, rng):
    kernel, stride = POOL_CASES[case]
    x = rng.standard_normal((2, 3, 7, 8))
    if ties:  # few distinct values: windows with several maxima, routed to the first as torch
        x = np.round(x)
    pool = layers.MaxPool2d(kernel, stride)
    tx = as_torch(x, requires_grad=True)
    tout = F.max_pool2d(tx, kernel, stride)
    upstream = rng.standard_normal(tuple(tout.shape))
    tout.backward(as_torch(upstream))

    assert_close(pool(x), tout)
    assert_close(pool.backward(upstream), tx.grad)


@pytest.mark.parametrize("case", list(POOL_CASES))
def test_max_pool_gradient_matches_a_numerical_one_on_tie_free_data(case, rng):
    kernel, stride = POOL_CASES[case]
    x = rng.permutation(2 * 2 * 6 * 7).reshape(2, 2, 6, 7) * 0.1  # distinct values, 0.1 apart
    assert_all_below(check_module(layers.MaxPool2d(kernel, stride), x, rng))


def test_max_pool_stride_defaults_to_the_kernel_size():
    pool = layers.MaxPool2d(2)
    assert pool.stride == (2, 2)
    assert pool(np.zeros((1, 1, 8, 6))).shape == (1, 1, 4, 3)


def test_max_pool_refuses_a_window_larger_than_the_image():
    with pytest.raises(ValueError, match=r"MaxPool2d: the kernel \(3, 3\) is larger than the "
                                         r"\(padded\) input \(2, 5\)"):
        layers.MaxPool2d(3)(np.zeros((1, 1, 2, 5)))


def test_flatten_keeps_the_batch_axis_and_backward_restores_the_shape(rng):
    flatten = layers.Flatten()
    x = rng.standard_normal((3, 2, 4, 5))
    y = flatten(x)
    np.testing.assert_array_equal(y, x.reshape(3, 40))
    np.testing.assert_array_equal(flatten.backward(y), x)
    assert_all_below(check_module(flatten, x, rng))


# --- every new layer ------------------------------------------------------------------------

def new_layers(dtype, rng):
    """Each new layer with an input it accepts."""
    return {
        "LayerNorm": (layers.LayerNorm(4, dtype=dtype), (2, 3, 4)),
        "MultiHeadAttention": (layers.MultiHeadAttention(4, 2, causal=True, rng=rng, dtype=dtype),
                               (2, 3, 4)),
        "Conv2d": (layers.Conv2d(2, 3, 3, stride=2, padding=1, rng=rng, dtype=dtype),
                   (2, 2, 5, 5)),
        "MaxPool2d": (layers.MaxPool2d(2), (2, 2, 4, 6)),
        "Flatten": (layers.Flatten(), (2, 2, 3)),
    }


@pytest.mark.parametrize("name", ["LayerNorm", "MultiHeadAttention", "Conv2d", "MaxPool2d",
                                  "Flatten"])
def test_float32_stays_float32_through_forward_backward_and_gradients(name, rng):
    layer, shape = new_layers(np.float32, rng)[name]
    x = rng.standard_normal(shape).astype(np.float32)
    out = layer(x)
    assert out.dtype == np.float32
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    for parameter in layer.parameters():
        assert parameter.data.dtype == np.float32 and parameter.grad.dtype == np.float32
    if name == "MultiHeadAttention":
        assert layer.attention_weights.dtype == np.float32


@pytest.mark.parametrize("name", ["LayerNorm", "MultiHeadAttention", "Conv2d"])
def test_a_float64_layer_refuses_float32_input(name, rng):
    layer, shape = new_layers(np.float64, rng)[name]
    with pytest.raises(TypeError, match=rf"{name} computes in float64 but x has dtype float32"):
        layer(np.ones(shape, np.float32))


@pytest.mark.parametrize("name", ["LayerNorm", "MultiHeadAttention", "Conv2d", "MaxPool2d",
                                  "Flatten"])
def test_backward_before_forward_is_an_error_for_every_new_layer(name, rng):
    layer, shape = new_layers(np.float64, rng)[name]
    with pytest.raises(RuntimeError, match=rf"{name}.backward called before forward"):
        layer.backward(np.zeros(shape))


@pytest.mark.parametrize("name", ["LayerNorm", "MultiHeadAttention", "Conv2d", "MaxPool2d",
                                  "Flatten"])
def test_every_new_layer_refuses_integer_input_and_a_wrongly_shaped_gradient(name, rng):
    layer, shape = new_layers(np.float64, rng)[name]
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array, got dtype int64"):
        layer(np.ones(shape, np.int64))
    out = layer(rng.standard_normal(shape))
    wrong = out.shape[:-1] + (out.shape[-1] + 1,)
    with pytest.raises(ValueError, match=re.escape(f"{name}.backward: grad_out must have the "
                                                   f"forward output's shape {out.shape}, got "
                                                   f"{wrong}")):
        layer.backward(np.zeros(wrong))


def test_every_new_layer_leaves_its_gradient_argument_unchanged(rng):
    for layer, shape in new_layers(np.float64, rng).values():
        out = layer(rng.standard_normal(shape))
        upstream = rng.standard_normal(out.shape)
        before = upstream.copy()
        layer.backward(upstream)
        np.testing.assert_array_equal(upstream, before)


# --- a small CNN trains through fit ----------------------------------------------------------

def test_a_small_cnn_on_digit_images_trains_through_fit():
    X_train, y_train, _, _ = digits()
    images = X_train[:256].reshape(-1, 1, 8, 8)
    labels = y_train[:256]
    rng = np.random.default_rng(0)
    model = layers.Sequential(
        layers.Conv2d(1, 8, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2d(2),
        layers.Flatten(), layers.Linear(8 * 4 * 4, 10, rng=rng),
    )
    history = fit(model, losses.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2),
                  images, labels, epochs=5, batch_size=32, rng=rng, progress=False,
                  metrics=("accuracy",))
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8


def small_cnn(rng):
    return layers.Sequential(
        layers.Conv2d(1, 8, 3, padding=1, rng=rng), layers.ReLU(), layers.MaxPool2d(2),
        layers.Flatten(), layers.Linear(8 * 4 * 4, 10, rng=rng),
    )


def test_the_convolution_alone_learns_through_fit():
    """Only the Conv2d's parameters are trained, so the loss falls only if its gradients are
    right (the whole model above would learn through its Linear layer alone)."""
    X_train, y_train, _, _ = digits()
    rng = np.random.default_rng(1)
    model = small_cnn(rng)
    history = fit(model, losses.CrossEntropyLoss(), optim.Adam(model[0].parameters(), lr=3e-2),
                  X_train[:256].reshape(-1, 1, 8, 8), y_train[:256], epochs=5, batch_size=32,
                  rng=rng, progress=False)
    assert history["loss"][-1] < 0.9 * history["loss"][0]


@pytest.mark.torch
def test_a_small_cnn_output_and_every_gradient_match_torch(rng):
    model = small_cnn(rng)
    randomize_parameters(model, rng)
    conv, linear = model[0], model[4]
    reference_linear = torch.nn.Linear(128, 10, dtype=torch.float64)
    with torch.no_grad():
        reference_linear.weight.copy_(as_torch(linear.weight.data.T))
        reference_linear.bias.copy_(as_torch(linear.bias.data))
    reference = torch.nn.Sequential(torch_conv_like(conv), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                    torch.nn.Flatten(), reference_linear)
    x = rng.standard_normal((3, 1, 8, 8))
    upstream = rng.standard_normal((3, 10))
    tx = as_torch(x, requires_grad=True)
    tout = reference(tx)
    tout.backward(as_torch(upstream))

    assert_close(model(x), tout)
    assert_close(model.backward(upstream), tx.grad)
    assert_close(conv.weight.grad, reference[0].weight.grad)
    assert_close(conv.bias.grad, reference[0].bias.grad)
    assert_close(linear.weight.grad, reference_linear.weight.grad.T)
