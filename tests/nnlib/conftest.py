"""Shared fixtures for the nnlib tests.

Torch is the float64 oracle for many tests. It is told to use one thread: the arrays here are
tiny, and on a shared two-core machine extra threads only add contention.
"""
import numpy as np
import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture
def rng():
    """A fresh, seeded generator per test, so every test is reproducible on its own."""
    return np.random.default_rng(20240611)


@pytest.fixture
def raise_on_float_errors():
    """Turn numpy's overflow, divide-by-zero and invalid-operation flags into exceptions.

    Underflow is left alone on purpose: ``exp(-1000)`` rounding to 0.0 (or a subnormal) is the
    correctly rounded answer, not a numerical failure, and it is what a stable sigmoid or
    log-sum-exp *should* do for very negative arguments.
    """
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        yield
