"""The isolated run's nnlib is nnlib: every stand-in behaves as the class it stands in for.

The isolated grading run has no nnlib; ``autograder.trusted.given`` builds one from nnlib's own
answer-free files and the course's hand copies (``exercises/standins.py``). The grader encodes a
given object as its attributes and the run rebuilds it from them, so each stand-in must compute
the same values, accumulate the same gradients, update the same running statistics and raise
the same errors, word for word, as nnlib does from the same state. Fast: everything runs in this
process, with the real nnlib put back afterwards.
"""
from __future__ import annotations

import contextlib
import copy
import sys

import numpy as np
import pytest

from autograder import content
from autograder.trusted import given

from nnlib import _validate as nnlib_validate
from nnlib import layers, losses
from nnlib import module as nnlib_module

EVERYTHING = frozenset({"Sequential", "Sequential.backward", "Linear", "Linear.backward", "ReLU",
                        "ReLU.backward", "Dropout", "Dropout.backward", "BatchNorm1d",
                        "MSELoss"}) | given.ALWAYS


@contextlib.contextmanager
def isolated_nnlib(given_names):
    """The stand-in nnlib as the isolated run installs it; the real one put back afterwards
    (the same module objects, so that other tests' nnlib classes stay the classes)."""
    real = {name: mod for name, mod in sys.modules.items()
            if name == "nnlib" or name.startswith("nnlib.")}
    real_standins = sys.modules.get(content.standins_module_name())
    try:
        classes = given.install(frozenset(given_names), given.nnlib_files())
        yield classes, sys.modules["nnlib._validate"]
    finally:
        given.uninstall()
        sys.modules.update(real)
        if real_standins is not None:
            sys.modules[content.standins_module_name()] = real_standins


@pytest.fixture(scope="module")
def standin():
    """The stand-in classes by name, as the isolated run builds them (all of them given)."""
    with isolated_nnlib(EVERYTHING) as (classes, _):
        return dict(classes)


def rebuilt(obj, classes):
    """``obj`` as the isolated run rebuilds it: a stand-in instance with a copy of its state
    (child modules and parameters rebuilt too)."""
    if isinstance(obj, list):
        return [rebuilt(item, classes) for item in obj]
    name = type(obj).__name__
    if name not in classes:
        return copy.deepcopy(obj)
    cls = classes[name]
    twin = cls.__new__(cls)
    twin.__dict__.update({key: rebuilt(value, classes) for key, value in vars(obj).items()})
    return twin


def outcome(call):
    """What a call returned, or the type and message of what it raised."""
    try:
        return ("value", call())
    except Exception as error:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(error).__name__, str(error))


def assert_same(a, b):
    assert a[0] == b[0], f"{a[:3]} vs {b[:3]}"
    if a[0] == "error":
        assert a == b
    elif isinstance(a[1], np.ndarray):
        assert a[1].dtype == b[1].dtype and a[1].shape == b[1].shape
        np.testing.assert_array_equal(a[1], b[1])
    else:
        assert a[1] == b[1]


def assert_same_state(real, twin):
    for parameter, twin_parameter in zip(real.parameters(), twin.parameters()):
        np.testing.assert_array_equal(parameter.grad, twin_parameter.grad)
        np.testing.assert_array_equal(parameter.data, twin_parameter.data)
    for name in ("running_mean", "running_var"):
        if hasattr(real, name):
            np.testing.assert_array_equal(getattr(real, name), getattr(twin, name))


def forward_backward(module, x, grad):
    out = outcome(lambda: module.forward(x))
    back = outcome(lambda: module.backward(grad)) if out[0] == "value" else None
    return out, back


def models(dtype, rng):
    """nnlib objects as the exercises hand them out, in training and evaluation mode."""
    bn = layers.BatchNorm1d(5, dtype=dtype)
    bn.running_mean[:] = rng.standard_normal(5)
    bn.running_var[:] = rng.uniform(0.5, 2.0, 5)
    found = {
        "Linear": layers.Linear(5, 3, rng=rng, dtype=dtype),
        "Linear without bias": layers.Linear(5, 3, bias=False, rng=rng, dtype=dtype),
        "ReLU": layers.ReLU(),
        "Dropout": layers.Dropout(0.3, rng=np.random.default_rng(5)),
        "Sequential": layers.Sequential(layers.Linear(5, 4, rng=rng, dtype=dtype), layers.ReLU(),
                                        layers.Linear(4, 5, rng=rng, dtype=dtype)),
        "BatchNorm1d": bn,
    }
    return found


INPUTS = {
    "a batch": lambda rng, dtype: rng.standard_normal((6, 5)).astype(dtype),
    "a batch of one": lambda rng, dtype: rng.standard_normal((1, 5)).astype(dtype),
    "exact zeros": lambda rng, dtype: np.zeros((3, 5), dtype),
    "a list": lambda rng, dtype: [[0.5, -1.0, 2.0, 0.0, 1.5]] * 2,
    "integers": lambda rng, dtype: np.ones((2, 5), dtype=np.int64),
    "the other float dtype": lambda rng, dtype: np.ones((2, 5), np.float32 if dtype == np.float64
                                                        else np.float64),
    "a wrong width": lambda rng, dtype: np.ones((2, 4), dtype),
    "a batch of sequences": lambda rng, dtype: rng.standard_normal((2, 3, 5)).astype(dtype),
    "sequences of a wrong width": lambda rng, dtype: np.ones((2, 3, 4), dtype),
    "one axis too few": lambda rng, dtype: np.ones(5, dtype),
    "a string": lambda rng, dtype: "x",
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("inputs", list(INPUTS))
def test_every_standin_layer_computes_and_refuses_as_nnlib(standin, dtype, mode, inputs):
    rng = np.random.default_rng(7)
    for label, real in models(dtype, rng).items():
        real.train(mode == "train")
        twin = rebuilt(real, standin)
        x = INPUTS[inputs](np.random.default_rng(3), dtype)
        real_out, real_back = forward_backward(real, copy.deepcopy(x), None)
        twin_out, twin_back = forward_backward(twin, copy.deepcopy(x), None)
        assert_same(real_out, twin_out)
        if real_out[0] == "value" and label != "BatchNorm1d":  # batch norm is given forward only
            grad = np.random.default_rng(4).standard_normal(real_out[1].shape).astype(
                real_out[1].dtype)
            for upstream in (grad, grad[:1], grad.astype(np.int64)):
                assert_same(outcome(lambda: real.backward(upstream.copy())),
                            outcome(lambda: twin.backward(upstream.copy())))
        assert_same_state(real, twin)


@pytest.mark.parametrize("label", ["Linear", "ReLU", "Dropout", "Sequential"])
def test_every_standin_refuses_a_backward_before_its_forward(standin, label):
    real = models(np.float64, np.random.default_rng(0))[label]
    twin = rebuilt(real, standin)
    grad = np.ones((2, 5))
    assert_same(outcome(lambda: real.backward(grad)), outcome(lambda: twin.backward(grad)))


def test_a_linear_layer_that_feeds_on_data_returns_no_input_gradient_in_both(standin):
    real = layers.Linear(5, 3, rng=np.random.default_rng(0))
    real.needs_input_grad = False
    twin = rebuilt(real, standin)
    x = np.random.default_rng(1).standard_normal((4, 5))
    grad = np.ones((4, 3))
    real.forward(x), twin.forward(x)
    assert real.backward(grad) is None and twin.backward(grad) is None
    assert_same_state(real, twin)


@pytest.mark.parametrize("pred, target", [
    (np.arange(6.0).reshape(2, 3), np.ones((2, 3))),
    (np.arange(6.0, dtype=np.float32).reshape(2, 3), np.ones((2, 3), np.float32)),
    (np.arange(6.0).reshape(2, 3), np.ones((2, 3), dtype=np.int64)),
    (np.arange(6.0).reshape(2, 3), np.ones((3, 2))),
    (np.zeros((0, 3)), np.zeros((0, 3))),
    ([1.0, 2.0], [0.0, 0.0]),
    (np.ones(3, dtype=np.int32), np.ones(3)),
])
def test_the_standin_mse_loss_computes_and_refuses_as_nnlib(standin, pred, target):
    real, twin = losses.MSELoss(), standin["MSELoss"]()
    assert_same(outcome(lambda: real(copy.deepcopy(pred), copy.deepcopy(target))),
                outcome(lambda: twin(copy.deepcopy(pred), copy.deepcopy(target))))


def test_batch_norm_statistics_move_alike_over_several_training_steps(standin):
    rng = np.random.default_rng(2)
    real = layers.BatchNorm1d(4, momentum=0.2)
    twin = rebuilt(real, standin)
    for _ in range(5):
        x = rng.standard_normal((8, 4)) * 3 + 1
        assert_same(outcome(lambda: real.forward(x.copy())), outcome(lambda: twin.forward(x.copy())))
    assert_same_state(real, twin)


def test_the_answer_free_files_are_nnlibs_own(standin):
    """Parameter, Module and Sequential come from nnlib's files, not from a copy."""
    for name in ("Parameter", "Module", "Sequential"):
        assert standin[name].__doc__ == getattr(nnlib_module, name).__doc__
        assert standin[name].__qualname__ == getattr(nnlib_module, name).__qualname__
    assert standin["Linear"].__mro__[1].__doc__ == nnlib_module.Module.__doc__


def test_an_ungiven_backward_is_refused_as_not_available():
    with isolated_nnlib(given.ALWAYS | {"Linear"}) as (classes, _):
        layer = classes["Linear"].__new__(classes["Linear"])
    with pytest.raises(ImportError, match="Linear.backward"):
        layer.backward(np.ones((1, 1)))


def test_the_standin_input_checks_are_nnlibs_own():
    with isolated_nnlib(given.ALWAYS) as (_, validate):
        for bad in ("x", np.ones(2, np.int64), True):
            assert_same(outcome(lambda: validate.float_array(bad, "x")),
                        outcome(lambda: nnlib_validate.float_array(bad, "x")))
