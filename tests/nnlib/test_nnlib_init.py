"""Initializers: shapes, dtypes, the spread of a large sample, reproducibility."""
import math

import numpy as np
import pytest

from nnlib import init, layers

FAN_IN, FAN_OUT = 400, 600  # 240,000 draws: sample std within ~0.3% of the true one

# name -> (function, expected std from fans, uniform bound from fans or None)
SCHEMES = {
    "xavier_uniform": (init.xavier_uniform, lambda i, o: math.sqrt(2 / (i + o)),
                       lambda i, o: math.sqrt(6 / (i + o))),
    "xavier_normal": (init.xavier_normal, lambda i, o: math.sqrt(2 / (i + o)), None),
    "he_uniform": (init.he_uniform, lambda i, o: math.sqrt(2 / i), lambda i, o: math.sqrt(6 / i)),
    "he_normal": (init.he_normal, lambda i, o: math.sqrt(2 / i), None),
}


@pytest.mark.parametrize("name", sorted(SCHEMES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initializer_shape_and_dtype(name, dtype):
    w = SCHEMES[name][0](7, 3, np.random.default_rng(0), dtype)
    assert w.shape == (7, 3) and w.dtype == dtype


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_initializer_has_the_documented_standard_deviation(name):
    fn, std, _ = SCHEMES[name]
    w = fn(FAN_IN, FAN_OUT, np.random.default_rng(1))
    assert abs(w.mean()) < 5 * std(FAN_IN, FAN_OUT) / math.sqrt(w.size)
    assert w.std() == pytest.approx(std(FAN_IN, FAN_OUT), rel=0.01)


@pytest.mark.parametrize("name", ["xavier_uniform", "he_uniform"])
def test_uniform_initializer_fills_its_bounds(name):
    fn, _, bound = SCHEMES[name]
    a = bound(FAN_IN, FAN_OUT)
    w = fn(FAN_IN, FAN_OUT, np.random.default_rng(2))
    assert np.all(np.abs(w) <= a)
    assert w.max() > 0.999 * a and w.min() < -0.999 * a


@pytest.mark.parametrize("name", ["xavier_normal", "he_normal"])
def test_normal_initializer_is_not_truncated(name):
    fn, std, _ = SCHEMES[name]
    w = fn(FAN_IN, FAN_OUT, np.random.default_rng(3))
    # 240,000 normal draws reach beyond 4 standard deviations (a truncated normal stops at 2).
    assert np.max(np.abs(w)) > 4 * std(FAN_IN, FAN_OUT)


def test_xavier_is_not_he():
    # A classic mix-up (the seed's "Xavier" is sqrt(2 / fan_in)): the spreads differ by
    # sqrt((fan_in + fan_out) / fan_in).
    xavier = init.xavier_normal(FAN_IN, FAN_OUT, np.random.default_rng(4))
    he = init.he_normal(FAN_IN, FAN_OUT, np.random.default_rng(4))
    assert he.std() / xavier.std() == pytest.approx(math.sqrt((FAN_IN + FAN_OUT) / FAN_IN),
                                                    rel=1e-12)


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_same_seed_gives_the_same_weights_and_another_seed_does_not(name):
    fn = SCHEMES[name][0]
    a = fn(5, 4, np.random.default_rng(10))
    b = fn(5, 4, np.random.default_rng(10))
    c = fn(5, 4, np.random.default_rng(11))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("init_name, fn", [("he", init.he_normal), ("he_uniform", init.he_uniform),
                                           ("xavier", init.xavier_uniform),
                                           ("xavier_normal", init.xavier_normal)])
def test_linear_uses_the_named_initializer(init_name, fn):
    layer = layers.Linear(6, 5, init=init_name, rng=np.random.default_rng(12))
    np.testing.assert_array_equal(layer.weight.data, fn(6, 5, np.random.default_rng(12)))


@pytest.mark.parametrize("fan_in, fan_out, message", [
    (0, 3, r"fan_in must be >= 1, got 0"),
    (3, -1, r"fan_out must be >= 1, got -1"),
    (2.0, 3, r"fan_in must be an integer, got 2.0"),
])
def test_bad_fans_are_refused(fan_in, fan_out, message):
    with pytest.raises((ValueError, TypeError), match=message):
        init.he_normal(fan_in, fan_out, np.random.default_rng(0))


def test_integer_dtype_is_refused():
    with pytest.raises(TypeError, match=r"dtype must be np.float32 or np.float64, got int64"):
        init.xavier_uniform(3, 3, np.random.default_rng(0), np.int64)


def test_a_legacy_random_state_is_refused():
    with pytest.raises(TypeError, match=r"rng must be a numpy Generator.*got RandomState"):
        init.he_normal(3, 3, np.random.RandomState(0))
