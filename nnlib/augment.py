"""Simple data augmentation: new training examples from old ones, label unchanged.

Augmentation encodes what should *not* change the answer: a digit shifted by a pixel or with a
little noise is the same digit. Apply it to the training set only, freshly each epoch.
"""
from __future__ import annotations

import numpy as np

from nnlib._validate import float_array, generator, non_negative


def add_noise(X, std, rng=None):
    """``X`` plus Gaussian noise of standard deviation ``std`` (same shape and dtype)."""
    X = float_array(X, "X")
    std = non_negative(std, "std")
    return X + (std * generator(rng).standard_normal(X.shape)).astype(X.dtype)


def shift_images(X, max_shift=1, image_shape=(8, 8), rng=None):
    """Shift each image by a random whole number of pixels in ``[-max_shift, max_shift]`` per axis.

    ``X`` is (N, H*W) with rows that are flattened ``image_shape`` images; pixels shifted in
    from outside are 0 (background). Returns an array like ``X``.
    """
    X = float_array(X, "X")
    height, width = image_shape
    if X.ndim != 2 or X.shape[1] != height * width:
        raise ValueError(f"X must have shape (N, {height * width}) for {image_shape} images, got {X.shape}")
    if not isinstance(max_shift, int) or max_shift < 0:
        raise ValueError(f"max_shift must be an integer >= 0, got {max_shift!r}")
    rng = generator(rng)
    images = X.reshape(-1, height, width)
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(X), 2))
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(shifts):
        top, left = max_shift - dy, max_shift - dx
        out[i] = padded[i, top:top + height, left:left + width]
    return out.reshape(X.shape)


__all__ = ["add_noise", "shift_images"]
