"""Losses: values and gradients against PyTorch (float64), stability at the extremes, bad input."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnlib import losses


def torch_loss_and_grad(torch_fn, pred, target):
    p = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    value = torch_fn(p, torch.as_tensor(target))
    value.backward()
    return value.item(), p.grad.numpy()


def nnlib_loss_and_grad(loss, pred, target):
    value = loss(pred, target)
    return value, loss.backward()


def _cases(rng):
    probabilities = rng.uniform(0.01, 0.99, (6, 3))
    soft_targets = rng.uniform(0, 1, (6, 3))
    return {
        "mse": (losses.MSELoss(), F.mse_loss,
                rng.standard_normal((6, 3)), rng.standard_normal((6, 3))),
        "mse_vector": (losses.MSELoss(), F.mse_loss,
                       rng.standard_normal(7), rng.standard_normal(7)),
        "bce": (losses.BCELoss(), F.binary_cross_entropy, probabilities, soft_targets),
        "bce_saturated": (losses.BCELoss(), F.binary_cross_entropy,
                          np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 1 - 1e-16, 0.5]),
                          np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.3])),
        "bce_with_logits": (losses.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits,
                            4 * rng.standard_normal((6, 3)), soft_targets),
        "bce_with_logits_extreme": (losses.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits,
                                    np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0, 50.0]),
                                    np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.2])),
        "cross_entropy": (losses.CrossEntropyLoss(), F.cross_entropy,
                          3 * rng.standard_normal((8, 5)), rng.integers(0, 5, 8)),
        "cross_entropy_extreme": (losses.CrossEntropyLoss(), F.cross_entropy,
                                  np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0],
                                            [-1000.0, -1000.0, -1000.0]]),
                                  np.array([0, 1, 2])),
    }


CASE_NAMES = ["mse", "mse_vector", "bce", "bce_saturated", "bce_with_logits",
              "bce_with_logits_extreme", "cross_entropy", "cross_entropy_extreme"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_loss_value_matches_torch(name, rng):
    loss, torch_fn, pred, target = _cases(rng)[name]
    expected, _ = torch_loss_and_grad(torch_fn, pred, target)
    value, _ = nnlib_loss_and_grad(loss, pred, target)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_loss_gradient_matches_torch(name, rng):
    loss, torch_fn, pred, target = _cases(rng)[name]
    _, expected = torch_loss_and_grad(torch_fn, pred, target)
    _, grad = nnlib_loss_and_grad(loss, pred, target)
    assert grad.shape == pred.shape
    # Where p(1 - p) is below BCELoss's floor of 1e-12, torch divides by the float32 constant
    # 1e-12 (= 9.99999996e-13), nnlib by the float64 one: a 4e-9 relative difference, there only.
    # The exact floored value is checked by test_bce_gradient_at_zero_and_one_uses_the_floor.
    floored = np.zeros(pred.shape, dtype=bool)
    if isinstance(loss, losses.BCELoss):
        floored = pred * (1 - pred) < 1e-12
    np.testing.assert_allclose(grad[~floored], expected[~floored], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad[floored], expected[floored], rtol=1e-8)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_loss_and_gradient_are_finite_without_numpy_warnings(name, rng, raise_on_float_errors):
    loss, _, pred, target = _cases(rng)[name]
    value, grad = nnlib_loss_and_grad(loss, pred, target)
    assert math.isfinite(value) and np.all(np.isfinite(grad))


def test_bce_clamps_each_log_at_minus_100_like_torch(raise_on_float_errors):
    # p = 0 with t = 1 and p = 1 with t = 0 each cost exactly 100; the other two cost 0.
    loss = losses.BCELoss()
    assert loss(np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])) == 50.0


def test_bce_gradient_at_zero_and_one_uses_the_floor():
    # (p - t) / max(p (1 - p), 1e-12) / n: finite, and pointing the right way.
    loss = losses.BCELoss()
    loss(np.array([0.0, 1.0, 1e-300]), np.array([1.0, 0.0, 1.0]))
    np.testing.assert_allclose(loss.backward(), np.array([-1.0, 1.0, -1.0]) / 1e-12 / 3,
                               rtol=1e-15)


def test_bce_with_logits_at_1000_is_exact(raise_on_float_errors):
    loss = losses.BCEWithLogitsLoss()
    # A confident right answer costs 0; a confident wrong one costs |z| = 1000.
    assert loss(np.array([1000.0, -1000.0]), np.array([1.0, 0.0])) == 0.0
    assert loss(np.array([1000.0, -1000.0]), np.array([0.0, 1.0])) == 1000.0
    np.testing.assert_array_equal(loss.backward(), [0.5, -0.5])


def test_cross_entropy_at_logits_1000_is_exact(raise_on_float_errors):
    loss = losses.CrossEntropyLoss()
    logits = np.array([[1000.0, -1000.0], [1000.0, -1000.0]])
    assert loss(logits, np.array([0, 0])) == 0.0
    assert loss(logits, np.array([1, 1])) == 2000.0
    np.testing.assert_array_equal(loss.backward(), [[0.5, -0.5], [0.5, -0.5]])


def test_mse_accepts_integer_targets_as_floats(rng):
    pred = rng.standard_normal(5)
    target = np.array([0, 1, 0, 1, 1])
    assert losses.MSELoss()(pred, target) == pytest.approx(np.mean((pred - target) ** 2), rel=1e-15)


def test_loss_gradient_keeps_float32(rng):
    for loss, pred, target in [
        (losses.MSELoss(), rng.standard_normal((4, 2)), rng.standard_normal((4, 2))),
        (losses.BCELoss(), rng.uniform(0.1, 0.9, (4, 2)), rng.uniform(0, 1, (4, 2))),
        (losses.BCEWithLogitsLoss(), rng.standard_normal((4, 2)), rng.uniform(0, 1, (4, 2))),
        (losses.CrossEntropyLoss(), rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])),
    ]:
        loss(pred.astype(np.float32), target)
        assert loss.backward().dtype == np.float32, type(loss).__name__


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("loss_class", [losses.MSELoss, losses.BCELoss, losses.BCEWithLogitsLoss])
def test_column_prediction_against_flat_target_is_refused_not_broadcast(loss_class):
    pred = np.full((4, 1), 0.5)
    target = np.zeros(4)
    with pytest.raises(ValueError, match=r"pred and target must have the same shape, "
                                         r"got \(4, 1\) and \(4,\)"):
        loss_class()(pred, target)


def test_mse_refuses_integer_predictions():
    with pytest.raises(TypeError, match=r"pred must be a float32 or float64 array, got dtype int64"):
        losses.MSELoss()(np.arange(3), np.zeros(3))


@pytest.mark.parametrize("bad", [1.5, -0.25])
def test_bce_refuses_values_outside_zero_one(bad):
    pred = np.array([0.2, bad, 0.7])
    with pytest.raises(ValueError, match=rf"probabilities in \[0, 1\].*{bad}.*BCEWithLogitsLoss"):
        losses.BCELoss()(pred, np.zeros(3))


def test_bce_refuses_nan():
    with pytest.raises(ValueError, match=r"nan"):
        losses.BCELoss()(np.array([0.2, np.nan]), np.zeros(2))


def test_cross_entropy_refuses_out_of_range_class():
    with pytest.raises(ValueError, match=r"outside \[0, 3\): \[3\]"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3]))


def test_cross_entropy_refuses_negative_class():
    with pytest.raises(ValueError, match=r"outside \[0, 3\): \[-1\]"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), np.array([-1, 0]))


def test_cross_entropy_refuses_float_targets():
    with pytest.raises(TypeError, match=r"integer class targets, got dtype float64"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_cross_entropy_refuses_one_hot_targets():
    with pytest.raises(ValueError, match=r"target must have shape \(2,\).*got \(2, 3\)"):
        losses.CrossEntropyLoss()(np.zeros((2, 3)), np.eye(3, dtype=np.int64)[[0, 1]])


def test_cross_entropy_refuses_flat_logits():
    with pytest.raises(ValueError, match=r"pred must have shape \(batch, classes\), got shape \(3,\)"):
        losses.CrossEntropyLoss()(np.zeros(3), np.array([0]))


def test_loss_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="MSELoss.backward called before forward"):
        losses.MSELoss().backward()
