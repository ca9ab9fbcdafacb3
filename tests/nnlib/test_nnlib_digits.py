"""End to end: an nnlib MLP trained with ``fit`` classifies handwritten digits.

The configuration was chosen so that 97% is not borderline: with exactly this recipe, seeds 0-19
scored between 97.6% and 98.9% on the 450 test images (mean 98.3%, about 8 errors, where 97%
allows 13; seed 0, used here, scores 98.2%). Without batch norm, or with one hidden layer, the
worst seeds fell to 96.2-97.1%. It trains in a few seconds on one core.
"""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnlib import data, layers, losses, metrics, optim, train


def digits_mlp(rng):
    """64 -> 256 -> 128 -> 10, each hidden layer Linear, BatchNorm, ReLU, Dropout(0.2)."""
    return layers.Sequential(
        layers.Linear(64, 256, rng=rng), layers.BatchNorm1d(256), layers.ReLU(),
        layers.Dropout(0.2, rng=rng),
        layers.Linear(256, 128, rng=rng), layers.BatchNorm1d(128), layers.ReLU(),
        layers.Dropout(0.2, rng=rng),
        layers.Linear(128, 10, rng=rng),
    )


@pytest.fixture
def one_blas_thread():
    # The matrices are small: on a shared two-core machine extra BLAS threads only contend.
    with threadpool_limits(limits=1):
        yield


def test_mlp_reaches_97_percent_test_accuracy_on_digits(one_blas_thread):
    X_train, y_train, X_test, y_test = data.digits()
    rng = np.random.default_rng(0)
    model = digits_mlp(rng)
    loss = losses.CrossEntropyLoss()
    optimizer = optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    # 20 epochs at lr 2e-3, then 10 at 2e-4 to settle.
    history = train.fit(model, loss, optimizer, X_train, y_train, epochs=20, batch_size=32,
                        rng=rng, progress=False)
    optimizer.lr = 2e-4
    history_settle = train.fit(model, loss, optimizer, X_train, y_train, epochs=10,
                               batch_size=32, rng=rng, progress=False)
    assert history_settle["loss"][-1] < history["loss"][0] / 5

    model.eval()
    predicted = np.argmax(model(X_test), axis=1)
    test_accuracy = float(np.mean(predicted == y_test))
    assert test_accuracy == metrics.accuracy(model(X_test), y_test)
    assert test_accuracy >= 0.97, f"test accuracy {test_accuracy:.4f} is below 0.97"
