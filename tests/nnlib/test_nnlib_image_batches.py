"""Image batches (N, C, H, W) through the data helpers, fit/evaluate and DenseBlock."""
from __future__ import annotations

import numpy as np
import pytest

from nnlib import layers, losses, optim
from nnlib.data import batches
from nnlib.gradcheck import check_module
from nnlib.train import evaluate, fit


def _images(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 2, 5, 5)), rng.integers(0, 3, size=n)


def test_batches_keep_the_image_axes_and_cover_every_image_once():
    X, y = _images(10)
    seen = list(batches(X, y, 4, rng=np.random.default_rng(1)))
    assert [xb.shape for xb, _ in seen] == [(4, 2, 5, 5), (4, 2, 5, 5), (2, 2, 5, 5)]
    order = np.concatenate([yb for _, yb in seen])
    stacked = np.concatenate([xb for xb, _ in seen])
    for row, label in zip(stacked, order):  # each image still travels with its own label
        assert label == y[np.flatnonzero((X == row).all(axis=(1, 2, 3)))[0]]


def test_evaluate_and_fit_take_image_batches():
    X, y = _images(24)
    rng = np.random.default_rng(2)
    model = layers.Sequential(layers.Conv2d(2, 3, 3, padding=1, rng=rng), layers.ReLU(),
                              layers.Flatten(), layers.Linear(75, 3, rng=rng))
    before = evaluate(model, losses.CrossEntropyLoss(), X, y, metrics=("accuracy",))
    history = fit(model, losses.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), X, y,
                  epochs=30, batch_size=8, validation=(X, y), rng=np.random.default_rng(3),
                  progress=False, metrics=("accuracy",))
    assert history["val_loss"][-1] < 0.5 * before["loss"]
    assert history["val_accuracy"][-1] > before["accuracy"]


def _conv_dense_block(channels, growth, k, rng):
    return layers.DenseBlock(*[
        layers.Sequential(layers.ReLU(), layers.Conv2d(channels + i * growth, growth, 3, padding=1,
                                                       rng=rng))
        for i in range(k)])


def test_dense_block_concatenates_image_channels():
    block = _conv_dense_block(2, 3, 2, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((4, 2, 5, 5))
    out = block(x)
    assert out.shape == (4, 2 + 2 * 3, 5, 5)
    assert np.array_equal(out[:, :2], x)  # the input passes through unchanged
    first = block.layers[0](x)
    assert np.allclose(out[:, 2:5], first)
    assert np.allclose(out[:, 5:], block.layers[1](np.concatenate([x, first], axis=1)))


def test_dense_block_on_images_passes_the_gradient_check():
    block = _conv_dense_block(2, 2, 3, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 2, 4, 4))
    errors = check_module(block, x, rng=np.random.default_rng(2))
    assert max(errors.values()) < 1e-7, errors


def test_dense_block_refuses_a_layer_that_changes_the_image_size():
    block = layers.DenseBlock(layers.Conv2d(2, 3, 3, rng=np.random.default_rng(0)))  # no padding
    with pytest.raises(ValueError, match=r"\(batch, growth, 5, 5\), got \(1, 3, 3, 3\)"):
        block(np.zeros((1, 2, 5, 5)))
