"""Small datasets for the chapters, and mini-batch iteration.

Every generator takes an explicit ``rng`` (a ``np.random.Generator``; None means unseeded) and
returns float64 features ``X`` of shape ``(N, features)`` with labels ``y``: integer class
labels of shape ``(N,)`` (int64) for classification, float targets of shape ``(N, 1)`` for
regression. For a binary classifier with one output, use ``y[:, None].astype(float)`` as the
target of shape ``(N, 1)``.
"""
from __future__ import annotations

import numpy as np

from nnlib._validate import generator, non_negative, positive_int


def xor(n_samples=None, noise=0.0, rng=None):
    """The XOR problem, which no linear model can solve.

    With ``n_samples=None``: the four corners ``(0,0), (0,1), (1,0), (1,1)`` with labels
    ``0, 1, 1, 0``. Otherwise ``n_samples`` points drawn from the corners with Gaussian ``noise``.

    Returns ``X`` (N, 2) float64 and ``y`` (N,) int64.
    """
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    if n_samples is None:
        return corners, labels
    n_samples = positive_int(n_samples, "n_samples")
    rng = generator(rng)
    which = rng.integers(0, 4, size=n_samples)
    X = corners[which] + non_negative(noise, "noise") * rng.standard_normal((n_samples, 2))
    return X, labels[which]


def spirals(n_samples=300, n_classes=3, noise=0.2, rng=None):
    """Interleaved spiral arms, one per class (the CS231n toy problem).

    Returns ``X`` (n_samples, 2) float64 in about [-1, 1]² and ``y`` (n_samples,) int64, with the
    samples split as evenly as possible between classes.
    """
    n_samples = positive_int(n_samples, "n_samples")
    n_classes = positive_int(n_classes, "n_classes")
    noise = non_negative(noise, "noise")
    rng = generator(rng)
    y = np.arange(n_samples) % n_classes
    position = rng.random(n_samples)  # 0 at the centre, 1 at the tip of the arm
    angle = y * (2 * np.pi / n_classes) + 4.0 * position + noise * rng.standard_normal(n_samples)
    X = np.column_stack([position * np.sin(angle), position * np.cos(angle)])
    order = rng.permutation(n_samples)
    return X[order], y[order].astype(np.int64)


def moons(n_samples=200, noise=0.1, rng=None):
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Returns ``X`` (n_samples, 2) float64 and ``y`` (n_samples,) int64 in {0, 1}.
    """
    n_samples = positive_int(n_samples, "n_samples")
    noise = non_negative(noise, "noise")
    rng = generator(rng)
    y = np.arange(n_samples) % 2
    t = np.pi * rng.random(n_samples)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(y[:, None] == 0, upper, lower) + noise * rng.standard_normal((n_samples, 2))
    return X, y.astype(np.int64)


def sine(n_samples=200, noise=0.0, x_range=(-np.pi, np.pi), rng=None):
    """Samples of :math:`y = \\sin(x)` plus Gaussian ``noise``, for regression.

    Returns ``X`` (n_samples, 1) float64 sorted, and ``y`` (n_samples, 1) float64.
    """
    n_samples = positive_int(n_samples, "n_samples")
    noise = non_negative(noise, "noise")
    low, high = x_range
    if not low < high:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range}")
    rng = generator(rng)
    X = np.sort(rng.uniform(low, high, size=(n_samples, 1)), axis=0)
    return X, np.sin(X) + noise * rng.standard_normal((n_samples, 1))


def digits(test_fraction=0.25, seed=0):
    """Handwritten digits 0-9 as 8x8 images (1,797 of them, from scikit-learn, no download).

    The split is stratified (each digit in the same proportion in both parts) and reproducible
    for a given ``seed``.

    Returns ``(X_train, y_train, X_test, y_test)``: pixels float64 scaled to [0, 1] with shape
    (N, 64) (reshape a row to (8, 8) to see it), labels int64 of shape (N,).
    """
    from sklearn.datasets import load_digits

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    bunch = load_digits()
    X = bunch.data.astype(np.float64) / 16.0
    y = bunch.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        test_mask[members[: int(round(test_fraction * len(members)))]] = True
    return X[~test_mask], y[~test_mask], X[test_mask], y[test_mask]


def batches(X, y, batch_size, rng=None):
    """Iterate over ``(X_batch, y_batch)`` mini-batches covering every sample once.

    With ``rng`` (a ``np.random.Generator``) the order is shuffled; with ``rng=None`` it is kept.
    The last batch holds the remainder when ``batch_size`` does not divide N.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of samples, got {len(X)} and {len(y)}")
    batch_size = positive_int(batch_size, "batch_size")
    order = np.arange(len(X)) if rng is None else generator(rng).permutation(len(X))
    for start in range(0, len(X), batch_size):
        index = order[start:start + batch_size]
        yield X[index], y[index]


__all__ = ["xor", "spirals", "moons", "sine", "digits", "batches"]
