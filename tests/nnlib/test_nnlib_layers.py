"""Layers: Linear, BatchNorm1d and Sequential against PyTorch (float64); Dropout and BatchNorm
modes; gradient accumulation; train/eval propagation; parameter sharing; dtypes; bad input."""
import numpy as np
import pytest
import torch

from nnlib import layers
from nnlib.module import Module, Parameter


def as_torch(array, requires_grad=False):
    return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)


def torch_linear_like(linear):
    """A torch.nn.Linear holding the same numbers (torch's weight is (out, in): our weight.T)."""
    out = torch.nn.Linear(linear.in_features, linear.out_features, bias=linear.bias is not None,
                          dtype=torch.float64)
    with torch.no_grad():
        out.weight.copy_(as_torch(linear.weight.data.T))
        if linear.bias is not None:
            out.bias.copy_(as_torch(linear.bias.data))
    return out


# --- against PyTorch -----------------------------------------------------------------------

@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_and_gradients_match_torch(bias, rng):
    layer = layers.Linear(4, 3, bias=bias, rng=rng)
    if bias:
        layer.bias.data[...] = rng.standard_normal(3)
    reference = torch_linear_like(layer)
    x = rng.standard_normal((5, 4))
    upstream = rng.standard_normal((5, 3))

    out = layer(x)
    grad_x = layer.backward(upstream)
    tx = as_torch(x, requires_grad=True)
    tout = reference(tx)
    tout.backward(as_torch(upstream))

    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(grad_x, tx.grad.numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad.numpy().T, rtol=1e-13)
    if bias:
        np.testing.assert_allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-13)
    else:
        assert layer.bias is None and reference.bias is None


def test_linear_weight_is_in_by_out_and_bias_starts_at_zero(rng):
    layer = layers.Linear(4, 3, rng=rng)
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (3,)
    np.testing.assert_array_equal(layer.bias.data, 0.0)


def _random_batchnorm_pair(rng, features=4):
    bn = layers.BatchNorm1d(features)
    bn.weight.data[...] = rng.uniform(0.5, 2.0, features)
    bn.bias.data[...] = rng.standard_normal(features)
    reference = torch.nn.BatchNorm1d(features, eps=1e-5, momentum=0.1, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(as_torch(bn.weight.data))
        reference.bias.copy_(as_torch(bn.bias.data))
    return bn, reference


def test_batchnorm_training_outputs_and_running_stats_match_torch_over_several_batches(rng):
    bn, reference = _random_batchnorm_pair(rng)
    for batch_size in (8, 5, 2, 16):
        x = 3.0 + 2.0 * rng.standard_normal((batch_size, 4))
        out = bn(x)
        expected = reference(as_torch(x)).detach().numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(bn.running_mean, reference.running_mean.numpy(), rtol=1e-13)
        np.testing.assert_allclose(bn.running_var, reference.running_var.numpy(), rtol=1e-13)
    # The statistics have really moved from their start (zeros and ones).
    assert np.all(np.abs(bn.running_mean) > 0.5)


def test_batchnorm_eval_output_matches_torch_after_training_batches(rng):
    bn, reference = _random_batchnorm_pair(rng)
    for _ in range(3):
        x = 1.0 + rng.standard_normal((6, 4))
        bn(x)
        reference(as_torch(x))
    bn.eval()
    reference.eval()
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(bn(x), reference(as_torch(x)).detach().numpy(), rtol=1e-12,
                               atol=1e-13)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batchnorm_gradients_match_torch(mode, rng):
    bn, reference = _random_batchnorm_pair(rng)
    if mode == "eval":
        bn.running_mean[...] = rng.standard_normal(4)
        bn.running_var[...] = rng.uniform(0.5, 2.0, 4)
        with torch.no_grad():
            reference.running_mean.copy_(as_torch(bn.running_mean))
            reference.running_var.copy_(as_torch(bn.running_var))
        bn.eval()
        reference.eval()
    x = rng.standard_normal((7, 4))
    upstream = rng.standard_normal((7, 4))

    bn(x)
    grad_x = bn.backward(upstream)
    tx = as_torch(x, requires_grad=True)
    reference(tx).backward(as_torch(upstream))

    np.testing.assert_allclose(grad_x, tx.grad.numpy(), rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(bn.weight.grad, reference.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.bias.grad, reference.bias.grad.numpy(), rtol=1e-12)


def test_sequential_output_and_every_gradient_match_torch(rng):
    model = layers.Sequential(layers.Linear(5, 8, rng=rng), layers.BatchNorm1d(8), layers.ReLU(),
                              layers.Linear(8, 6, rng=rng), layers.Tanh(),
                              layers.Linear(6, 3, rng=rng), layers.Softmax())
    for linear in (model[0], model[3], model[5]):
        linear.bias.data[...] = rng.standard_normal(linear.out_features)
    reference = torch.nn.Sequential(torch_linear_like(model[0]),
                                    torch.nn.BatchNorm1d(8, dtype=torch.float64), torch.nn.ReLU(),
                                    torch_linear_like(model[3]), torch.nn.Tanh(),
                                    torch_linear_like(model[5]), torch.nn.Softmax(dim=-1))
    x = rng.standard_normal((10, 5))
    upstream = rng.standard_normal((10, 3))

    out = model(x)
    grad_x = model.backward(upstream)
    tx = as_torch(x, requires_grad=True)
    tout = reference(tx)
    tout.backward(as_torch(upstream))

    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad_x, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    ours = dict(model.named_parameters())
    theirs = dict(reference.named_parameters())
    assert len(ours) == len(theirs) == 8
    for name, p in ours.items():
        expected = theirs[name].grad.numpy()
        if p.data.ndim == 2:
            expected = expected.T
        np.testing.assert_allclose(p.grad, expected, rtol=1e-10, atol=1e-13, err_msg=name)


# --- Dropout -------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_preserves_the_mean_by_inverted_scaling(p):
    layer = layers.Dropout(p, rng=np.random.default_rng(0))
    n = 200_000
    out = layer(np.ones(n))
    # Each output is 1/(1-p) with probability 1-p, else 0: mean 1, variance p/(1-p).
    standard_error = np.sqrt(p / (1 - p) / n)
    assert abs(out.mean() - 1.0) < 5 * standard_error
    assert abs(np.mean(out == 0.0) - p) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(out[out != 0], 1.0 / (1.0 - p), rtol=1e-15)


def test_dropout_backward_reuses_the_forward_mask(rng):
    layer = layers.Dropout(0.5, rng=rng)
    x = rng.uniform(1.0, 2.0, (20, 30))
    out = layer(x)
    upstream = rng.standard_normal((20, 30))
    grad = layer.backward(upstream)
    dropped = out == 0.0
    assert 0 < dropped.sum() < dropped.size
    np.testing.assert_array_equal(grad[dropped], 0.0)
    np.testing.assert_allclose(grad[~dropped], 2.0 * upstream[~dropped], rtol=1e-15)


def test_dropout_draws_a_new_mask_each_forward_pass(rng):
    layer = layers.Dropout(0.5, rng=rng)
    x = np.ones((10, 10))
    assert not np.array_equal(layer(x) == 0, layer(x) == 0)


def test_dropout_in_eval_mode_is_the_identity(rng):
    layer = layers.Dropout(0.5, rng=rng).eval()
    x = rng.standard_normal((6, 7))
    np.testing.assert_array_equal(layer(x), x)
    upstream = rng.standard_normal((6, 7))
    np.testing.assert_array_equal(layer.backward(upstream), upstream)


@pytest.mark.parametrize("p", [1.0, 1.5, -0.1])
def test_dropout_probability_outside_zero_one_is_refused(p):
    with pytest.raises(ValueError, match=rf"p must be in \[0, 1\), got {p}"):
        layers.Dropout(p)


# --- BatchNorm modes -----------------------------------------------------------------------

def test_batchnorm_eval_uses_running_statistics_and_leaves_them_alone(rng):
    bn = layers.BatchNorm1d(3)
    bn.running_mean[...] = [1.0, -2.0, 0.5]
    bn.running_var[...] = [4.0, 0.25, 1.0]
    bn.eval()
    x = rng.standard_normal((5, 3))
    expected = (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
    np.testing.assert_allclose(bn(x), expected, rtol=1e-14)
    np.testing.assert_array_equal(bn.running_mean, [1.0, -2.0, 0.5])
    np.testing.assert_array_equal(bn.running_var, [4.0, 0.25, 1.0])


def test_batchnorm_eval_processes_one_example_as_it_would_in_a_batch(rng):
    bn = layers.BatchNorm1d(3)
    bn(rng.standard_normal((8, 3)))
    bn.eval()
    batch = rng.standard_normal((4, 3))
    np.testing.assert_allclose(bn(batch[:1]), bn(batch)[:1], rtol=1e-15)


def test_batchnorm_training_normalizes_each_feature_of_the_batch(rng):
    bn = layers.BatchNorm1d(3)
    out = bn(5.0 + 3.0 * rng.standard_normal((50, 3)))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-5)


def test_batchnorm_training_batch_of_one_is_refused():
    bn = layers.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"batch of at least 2.*got a batch of 1.*eval"):
        bn(np.zeros((1, 3)))


# --- gradient accumulation, zero_grad ------------------------------------------------------

def test_two_backward_calls_add_their_gradients(rng):
    layer = layers.Linear(3, 2, rng=rng)
    x, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer(x)
    layer.backward(upstream)
    once = (layer.weight.grad.copy(), layer.bias.grad.copy())
    layer(x)
    layer.backward(upstream)
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0], rtol=1e-15)
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1], rtol=1e-15)


def test_zero_grad_resets_every_gradient_in_place(rng):
    model = layers.Sequential(layers.Linear(3, 4, rng=rng), layers.BatchNorm1d(4),
                              layers.Linear(4, 2, rng=rng))
    model(rng.standard_normal((5, 3)))
    model.backward(rng.standard_normal((5, 2)))
    grads = [p.grad for p in model.parameters()]
    assert all(np.any(g != 0) for g in grads)
    model.zero_grad()
    for p, g in zip(model.parameters(), grads):
        assert p.grad is g  # the same array, so references held elsewhere stay valid
        np.testing.assert_array_equal(p.grad, 0.0)


def test_backward_does_not_modify_its_argument(rng):
    model = layers.Sequential(layers.Linear(3, 4, rng=rng), layers.BatchNorm1d(4), layers.ReLU(),
                              layers.Dropout(0.3, rng=rng), layers.Linear(4, 2, rng=rng))
    model(rng.standard_normal((5, 3)))
    upstream = rng.standard_normal((5, 2))
    before = upstream.copy()
    model.backward(upstream)
    np.testing.assert_array_equal(upstream, before)


FIRST_LAYERS = {
    "linear": lambda rng: layers.Linear(4, 4, rng=rng),
    "batchnorm": lambda rng: layers.BatchNorm1d(4),
    "dropout": lambda rng: layers.Dropout(0.5, rng=rng),
    "residual": lambda rng: layers.Residual(layers.Linear(4, 4, rng=rng)),
    "nested_sequential": lambda rng: layers.Sequential(layers.Linear(4, 4, rng=rng),
                                                       layers.Tanh()),
}


@pytest.mark.parametrize("first", sorted(FIRST_LAYERS))
def test_skipping_the_input_gradient_leaves_every_parameter_gradient_unchanged(first, rng):
    model = layers.Sequential(FIRST_LAYERS[first](rng), layers.Linear(4, 3, rng=rng),
                              layers.BatchNorm1d(3), layers.Linear(3, 2, rng=rng))
    model(rng.standard_normal((6, 4)))
    upstream = rng.standard_normal((6, 2))
    model.backward(upstream)
    expected = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    model.needs_input_grad = False
    model.backward(upstream)
    for p, grad in zip(model.parameters(), expected):
        np.testing.assert_allclose(p.grad, grad, rtol=1e-14, atol=1e-15)


def test_linear_without_input_grad_returns_none_but_still_fills_its_gradients(rng):
    layer = layers.Linear(3, 2, rng=rng)
    layer.needs_input_grad = False
    x, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer(x)
    assert layer.backward(upstream) is None
    np.testing.assert_allclose(layer.weight.grad, x.T @ upstream, rtol=1e-14)
    np.testing.assert_allclose(layer.bias.grad, upstream.sum(axis=0), rtol=1e-14)


def test_sequential_input_grad_flag_is_its_first_layers(rng):
    first = layers.Linear(3, 2, rng=rng)
    model = layers.Sequential(layers.Sequential(first, layers.ReLU()), layers.Linear(2, 1, rng=rng))
    assert model.needs_input_grad and first.needs_input_grad
    model.needs_input_grad = False
    assert not first.needs_input_grad and not model.needs_input_grad
    assert model[1].needs_input_grad  # only the layer that sees the data skips its input gradient
    model(rng.standard_normal((5, 3)))
    assert model.backward(rng.standard_normal((5, 1))) is None


def test_every_elementwise_layer_follows_the_template():
    # A template method is worth it only if every subclass follows it: a subclass that
    # overrides forward or backward would also skip its checks.
    subclasses = layers._Elementwise.__subclasses__()
    assert len(subclasses) == 6
    for cls in subclasses:
        assert "forward" not in vars(cls) and "backward" not in vars(cls), cls.__name__
        assert "_fn" in vars(cls) and "_derivative" in vars(cls), cls.__name__


# --- train/eval, parameters ----------------------------------------------------------------

class Wrapper(Module):
    """A user-defined module holding children as an attribute and in a list."""

    def __init__(self, rng):
        self.head = layers.Dropout(0.5, rng=rng)
        self.blocks = [layers.BatchNorm1d(2), layers.Residual(layers.Sequential(
            layers.Linear(2, 2, rng=rng), layers.Dropout(0.1, rng=rng)))]


def _all_modules(module):
    yield module
    for _, child in module.named_children():
        yield from _all_modules(child)


def test_train_and_eval_reach_every_nested_child(rng):
    model = layers.Sequential(Wrapper(rng), layers.DenseBlock(
        layers.Sequential(layers.Linear(2, 2, rng=rng), layers.BatchNorm1d(2))))
    modules = list(_all_modules(model))
    assert len(modules) >= 10
    assert all(m.training for m in modules)  # modules start in training mode
    assert model.eval() is model
    assert not any(m.training for m in modules)
    model.train()
    assert all(m.training for m in modules)


def test_parameters_lists_a_shared_parameter_once(rng):
    shared = layers.Linear(3, 3, rng=rng)
    model = layers.Sequential(shared, layers.Tanh(), shared, layers.Linear(3, 1, rng=rng))
    params = model.parameters()
    assert len(params) == 4
    assert len({id(p) for p in params}) == 4
    assert params[0] is shared.weight and params[1] is shared.bias


def test_parameters_finds_parameters_of_user_modules_and_lists(rng):
    names = [name for name, _ in Wrapper(rng).named_parameters()]
    assert names == ["blocks.0.weight", "blocks.0.bias", "blocks.1.block.0.weight",
                     "blocks.1.block.0.bias"]


# --- dtypes --------------------------------------------------------------------------------

def test_float32_model_keeps_float32_forward_and_backward(rng):
    model = layers.Sequential(layers.Linear(4, 8, rng=rng, dtype=np.float32),
                              layers.BatchNorm1d(8, dtype=np.float32), layers.GELU(),
                              layers.Dropout(0.2, rng=rng),
                              layers.Residual(layers.Linear(8, 8, rng=rng, dtype=np.float32)),
                              layers.DenseBlock(layers.Linear(8, 2, rng=rng, dtype=np.float32)),
                              layers.Linear(10, 3, rng=rng, dtype=np.float32), layers.Softmax())
    x = rng.standard_normal((6, 4)).astype(np.float32)
    out = model(x)
    assert out.dtype == np.float32
    assert model.backward(rng.standard_normal(out.shape).astype(np.float32)).dtype == np.float32
    for p in model.parameters():
        assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
    assert model[1].running_mean.dtype == np.float32 and model[1].running_var.dtype == np.float32


# --- bad input -----------------------------------------------------------------------------

def test_linear_refuses_wrong_number_of_features(rng):
    with pytest.raises(ValueError, match=r"Linear\(3, 2\) expects x of shape \(batch, 3\), "
                                         r"got \(5, 4\)"):
        layers.Linear(3, 2, rng=rng)(np.zeros((5, 4)))


def test_linear_refuses_a_single_unbatched_example(rng):
    with pytest.raises(ValueError, match=r"x must have shape \(batch, in_features\), got shape \(3,\)"):
        layers.Linear(3, 2, rng=rng)(np.zeros(3))


def test_linear_refuses_integer_input(rng):
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array, got dtype int64"):
        layers.Linear(3, 2, rng=rng)(np.ones((2, 3), dtype=np.int64))


def test_float64_linear_refuses_float32_input(rng):
    with pytest.raises(TypeError, match=r"Linear computes in float64 but x has dtype float32"):
        layers.Linear(3, 2, rng=rng)(np.ones((2, 3), dtype=np.float32))


def test_float32_linear_refuses_float64_input(rng):
    with pytest.raises(TypeError, match=r"Linear computes in float32 but x has dtype float64"):
        layers.Linear(3, 2, rng=rng, dtype=np.float32)(np.ones((2, 3)))


def test_batchnorm_refuses_wrong_number_of_features():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\) expects x of shape \(batch, 3\), "
                                         r"got \(4, 2\)"):
        layers.BatchNorm1d(3)(np.zeros((4, 2)))


def test_batchnorm_refuses_integer_input():
    with pytest.raises(TypeError, match=r"x must be a float32 or float64 array, got dtype int64"):
        layers.BatchNorm1d(3)(np.ones((4, 3), dtype=np.int64))


def test_backward_refuses_a_gradient_of_the_wrong_shape(rng):
    layer = layers.Linear(3, 2, rng=rng)
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have the forward output's shape "
                                         r"\(4, 2\), got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))


def test_backward_before_forward_is_an_error(rng):
    with pytest.raises(RuntimeError, match=r"Linear.backward called before forward"):
        layers.Linear(3, 2, rng=rng).backward(np.zeros((1, 2)))


def test_residual_backward_before_forward_is_an_error(rng):
    with pytest.raises(RuntimeError, match=r"Residual.backward called before forward"):
        layers.Residual(layers.Linear(3, 3, rng=rng)).backward(np.zeros((2, 3)))


def test_residual_backward_refuses_a_gradient_of_the_wrong_shape(rng):
    block = layers.Residual(layers.Linear(3, 3, rng=rng))
    block(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Residual.backward: grad_out must have the forward "
                                         r"output's shape \(4, 3\), got \(4, 2\)"):
        block.backward(np.zeros((4, 2)))


def test_residual_refuses_a_block_that_changes_the_shape(rng):
    block = layers.Residual(layers.Linear(3, 2, rng=rng))
    with pytest.raises(ValueError, match=r"keep its input's shape \(4, 3\).*\(4, 2\)"):
        block(np.zeros((4, 3)))


@pytest.mark.parametrize("bad", [0, -2, 2.5])
def test_linear_refuses_a_bad_size(bad):
    with pytest.raises((ValueError, TypeError), match=rf"in_features must be .*{bad}"):
        layers.Linear(bad, 3)


def test_linear_refuses_an_unknown_init():
    with pytest.raises(ValueError, match=r"init must be one of .*'glorot'"):
        layers.Linear(3, 2, init="glorot")


def test_parameter_refuses_integer_data():
    with pytest.raises(TypeError, match=r"data must be a float32 or float64 array, got dtype int64"):
        Parameter(np.arange(3))


def test_dense_block_concatenates_input_then_each_new_feature_map(rng):
    first, second = layers.Linear(2, 3, rng=rng), layers.Linear(5, 1, rng=rng)
    block = layers.DenseBlock(first, second)
    x = rng.standard_normal((4, 2))
    h1 = first(x)
    h2 = second(np.concatenate([x, h1], axis=1))
    np.testing.assert_allclose(block(x), np.concatenate([x, h1, h2], axis=1), rtol=1e-15)
