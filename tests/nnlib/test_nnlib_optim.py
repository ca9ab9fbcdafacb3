"""Optimizers and gradient clipping against torch.optim (float64), step for step; bad arguments.

Each run takes 20 steps on the same non-quadratic objective in nnlib and in torch. The gradient
is computed from the current parameters on each side, so any difference in an update would
change every later gradient and the trajectories would drift apart.
"""
import numpy as np
import pytest
import torch

from nnlib import optim
from nnlib.module import Parameter

STEPS = 20


def gradient_numpy(theta, target):
    """Gradient of sum(cos(theta) + (theta - target)^2 / 2): sin-shaped, so steps matter."""
    return -np.sin(theta) + (theta - target)


def gradient_torch(theta, target):
    return -torch.sin(theta) + (theta - target)


CONFIGS = {
    "sgd_plain": (optim.SGD, torch.optim.SGD, dict(lr=0.1)),
    "sgd_momentum": (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    "sgd_dampening": (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.5)),
    "sgd_nesterov": (optim.SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": (optim.SGD, torch.optim.SGD, dict(lr=0.1, weight_decay=0.05)),
    "sgd_momentum_weight_decay": (optim.SGD, torch.optim.SGD,
                                  dict(lr=0.05, momentum=0.8, weight_decay=0.05)),
    "rmsprop_plain": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    "rmsprop_alpha": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6)),
    "rmsprop_momentum": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.9)),
    "rmsprop_centered": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    "rmsprop_centered_momentum": (optim.RMSprop, torch.optim.RMSprop,
                                  dict(lr=0.01, centered=True, momentum=0.5)),
    "rmsprop_weight_decay": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, weight_decay=0.1)),
    "adam_default": (optim.Adam, torch.optim.Adam, dict()),
    "adam": (optim.Adam, torch.optim.Adam, dict(lr=0.05)),
    "adam_betas_eps": (optim.Adam, torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
    "adam_weight_decay": (optim.Adam, torch.optim.Adam, dict(lr=0.05, weight_decay=0.1)),
    "adamw_default": (optim.AdamW, torch.optim.AdamW, dict(lr=0.05)),
    "adamw_weight_decay": (optim.AdamW, torch.optim.AdamW, dict(lr=0.05, weight_decay=0.1)),
}


def make_problem(seed=3):
    """Two parameters of different shapes, and a target for each."""
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    targets = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    return starts, targets


def run_nnlib(optimizer_class, kwargs, steps=STEPS):
    starts, targets = make_problem()
    params = [Parameter(s.copy()) for s in starts]
    optimizer = optimizer_class(params, **kwargs)
    for _ in range(steps):
        optimizer.zero_grad()
        for p, target in zip(params, targets):
            p.grad += gradient_numpy(p.data, target)
        optimizer.step()
    return [p.data for p in params]


def run_torch(optimizer_class, kwargs, steps=STEPS):
    starts, targets = make_problem()
    params = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in starts]
    optimizer = optimizer_class(params, **kwargs)
    for _ in range(steps):
        optimizer.zero_grad()
        for p, target in zip(params, targets):
            p.grad = gradient_torch(p.detach(), torch.tensor(target))
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_optimizer_matches_torch_for_20_steps(name):
    ours_class, torch_class, kwargs = CONFIGS[name]
    ours = run_nnlib(ours_class, kwargs)
    theirs = run_torch(torch_class, kwargs)
    start, _ = make_problem()
    for mine, reference, initial in zip(ours, theirs, start):
        assert np.max(np.abs(mine - initial)) > 1e-3  # the parameters really moved
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-13)


def test_adam_with_l2_is_not_adamw():
    kwargs = dict(lr=0.05, weight_decay=0.5)
    adam_l2 = run_nnlib(optim.Adam, kwargs)
    adamw = run_nnlib(optim.AdamW, kwargs)
    difference = max(np.max(np.abs(a - b)) for a, b in zip(adam_l2, adamw))
    assert difference > 1e-2
    # ... and each is the one torch means by that name.
    for mine, reference in zip(adam_l2, run_torch(torch.optim.Adam, kwargs)):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-13)
    for mine, reference in zip(adamw, run_torch(torch.optim.AdamW, kwargs)):
        np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-13)


def test_adam_first_step_moves_each_coordinate_by_about_lr():
    # Bias correction makes the first step lr * g / |g| (up to eps), whatever the scale of g.
    p = Parameter(np.zeros(3))
    p.grad[...] = [1e-4, -3.0, 250.0]
    optim.Adam([p], lr=0.01).step()
    np.testing.assert_allclose(p.data, [-0.01, 0.01, -0.01], rtol=1e-3)


def test_sgd_momentum_first_step_uses_the_raw_gradient_even_with_dampening():
    p = Parameter(np.array([1.0]))
    p.grad[...] = 2.0
    optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.9).step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 * 2.0, rel=1e-15)


def test_adamw_default_weight_decay_is_torch_default():
    p = [Parameter(np.zeros(2))]
    assert optim.AdamW(p).weight_decay == torch.optim.AdamW([torch.zeros(2)]).defaults[
        "weight_decay"] == 0.01


def test_optimizer_zero_grad_clears_every_parameter():
    params = [Parameter(np.ones(3)), Parameter(np.ones((2, 2)))]
    for p in params:
        p.grad += 5.0
    optim.SGD(params, lr=0.1).zero_grad()
    for p in params:
        np.testing.assert_array_equal(p.grad, 0.0)


def test_step_updates_parameter_arrays_in_place():
    p = Parameter(np.ones(3))
    data = p.data
    p.grad[...] = 1.0
    optim.Adam([p], lr=0.1).step()
    assert p.data is data and np.all(data < 1.0)


UPDATE_RULES = {  # name -> a call of the rule on (param, grad, state arrays), and its state
    "sgd_momentum": (lambda p, g, s, **kw: optim.sgd_update(
        p, g, s[0], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1, **kw), 1),
    "rmsprop_centered_momentum": (lambda p, g, s, **kw: optim.rmsprop_update(
        p, g, s[0], s[1], lr=0.01, momentum=0.5, centered=True, grad_avg=s[2],
        weight_decay=0.1, **kw), 3),
    "adam": (lambda p, g, s, **kw: optim.adam_update(p, g, s[0], s[1], 3, lr=0.01,
                                                      weight_decay=0.1, **kw), 2),
    "adamw": (lambda p, g, s, **kw: optim.adam_update(p, g, s[0], s[1], 3, lr=0.01,
                                                       weight_decay=0.1,
                                                       decoupled_weight_decay=True, **kw), 2),
}


def _rule_inputs(rng, n_state):
    param, grad = rng.standard_normal(4), rng.standard_normal(4)
    # The first state array is large and the rest small, so that every square average (Adam's
    # v, RMSprop's s and s - grad_avg^2) is positive.
    state = [rng.uniform(1.0, 2.0, 4)] + [rng.uniform(0.0, 0.5, 4) for _ in range(n_state - 1)]
    return param, grad, state


@pytest.mark.parametrize("name", sorted(UPDATE_RULES))
def test_update_rule_leaves_its_arguments_alone_by_default(name, rng):
    # The autograder and chapter 4 call the rules on their own arrays and keep every step's result.
    rule, n_state = UPDATE_RULES[name]
    param, grad, state = _rule_inputs(rng, n_state)
    before = [a.copy() for a in (param, grad, *state)]
    result = rule(param, grad, state)
    for array, original in zip((param, grad, *state), before):
        np.testing.assert_array_equal(array, original)
    assert not np.array_equal(result[0], param)


@pytest.mark.parametrize("name", sorted(UPDATE_RULES))
def test_update_rule_in_place_writes_the_same_numbers_into_its_arguments(name, rng):
    rule, n_state = UPDATE_RULES[name]
    param, grad, state = _rule_inputs(rng, n_state)
    expected = rule(param, grad, state)
    grad_before = grad.copy()
    result = rule(param, grad, state, in_place=True)
    assert result[0] is param
    np.testing.assert_array_equal(grad, grad_before)  # the gradient is never modified
    for got, want in zip(result, expected):
        if want is not None:
            np.testing.assert_array_equal(got, want)
    for array in state:  # every state array that the rule updates was updated where it is
        assert any(array is got for got in result[1:])


OPTIMIZERS_WITH_EVERYTHING = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "sgd_nesterov": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                         weight_decay=0.01),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True,
                                        weight_decay=0.01),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.01),
    "adamw": lambda ps: optim.AdamW(ps, lr=0.01),
}


class Float32Only(np.ndarray):
    """A float32 array whose every ufunc (matmul, sum, sqrt, ...) fails if it yields float64.

    In-place updates write float64 results back into float32 arrays without a word, so the
    dtype of the arrays at the end cannot show a promotion on the way; this catches it where
    it happens. Results are Float32Only again, so the check follows the computation along.
    """

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        def plain(a):
            return a.view(np.ndarray) if isinstance(a, Float32Only) else a

        if out is not None:
            kwargs["out"] = tuple(plain(o) for o in out)
        result = getattr(ufunc, method)(*map(plain, inputs), **kwargs)
        results = result if isinstance(result, tuple) else (result,)
        for r in results:
            if getattr(r, "dtype", None) == np.float64:
                raise AssertionError(f"np.{ufunc.__name__}.{method} computed in float64")
        if out is not None:
            return out[0] if len(out) == 1 else out
        wrapped = tuple(r.view(Float32Only) if isinstance(r, np.ndarray) else r for r in results)
        return wrapped if isinstance(result, tuple) else wrapped[0]


def test_float32_only_catches_a_promotion():
    a = np.ones(3, dtype=np.float32).view(Float32Only)
    a *= 2.0  # a Python float is weak: float32 stays float32
    with pytest.raises(AssertionError, match="float64"):
        a * np.float64(2.0)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS_WITH_EVERYTHING))
def test_float32_survives_full_training_steps_of_every_optimizer(name, rng):
    from nnlib import layers, losses

    model = layers.Sequential(layers.Linear(5, 8, rng=rng, dtype=np.float32), layers.ReLU(),
                              layers.Linear(8, 3, rng=rng, dtype=np.float32))
    for p in model.parameters():
        p.data, p.grad = p.data.view(Float32Only), p.grad.view(Float32Only)
    model.needs_input_grad = False
    loss = losses.CrossEntropyLoss()
    optimizer = OPTIMIZERS_WITH_EVERYTHING[name](model.parameters())
    x = rng.standard_normal((6, 5)).astype(np.float32).view(Float32Only)
    y = np.array([0, 1, 2, 2, 1, 0])
    start = [p.data.copy() for p in model.parameters()]
    for _ in range(3):
        out = model(x)
        assert out.dtype == np.float32
        loss(out, y)
        optimizer.zero_grad()
        grad = loss.backward()
        assert grad.dtype == np.float32
        model.backward(grad)
        clip_norm = optim.clip_grad_norm(model.parameters(), 1.0)
        assert isinstance(clip_norm, float)
        optimizer.step()
        for p in model.parameters():
            assert p.data.dtype == np.float32 and p.grad.dtype == np.float32
    for state in optimizer.state:
        for value in state.values():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32
    assert all(np.any(p.data != s) for p, s in zip(model.parameters(), start))


def test_a_subclass_whose_rule_returns_a_new_array_still_updates_the_parameter():
    # Chapter 7 writes a wrong Adam this way; step() must store what the rule returns.
    class HalfStep(optim.SGD):
        def _update(self, param, grad, state):
            return param - 0.5 * self.lr * grad

    p = Parameter(np.ones(3))
    data = p.data
    p.grad[...] = 2.0
    HalfStep([p], lr=0.1).step()
    assert p.data is data
    np.testing.assert_allclose(p.data, 0.9, rtol=1e-15)


# --- gradient clipping ---------------------------------------------------------------------

@pytest.mark.parametrize("max_norm", [0.01, 1.0, 3.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm, rng):
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5), rng.standard_normal((2, 1))]
    params = [Parameter(np.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads):
        p.grad += g
    torch_params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(torch_params, grads):
        p.grad = torch.tensor(g)

    total = optim.clip_grad_norm(params, max_norm)
    expected_total = torch.nn.utils.clip_grad_norm_(torch_params, max_norm)

    assert isinstance(total, float)
    assert total == pytest.approx(float(expected_total), rel=1e-14)
    assert total == pytest.approx(np.sqrt(sum(np.sum(g * g) for g in grads)), rel=1e-14)
    for p, tp in zip(params, torch_params):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-14, atol=1e-300)


def test_clip_grad_norm_keeps_the_direction_of_the_whole_update(rng):
    grads = [np.array([3.0, 0.0]), np.array([0.0, 4.0])]  # global norm 5
    params = [Parameter(np.zeros(2)) for _ in grads]
    for p, g in zip(params, grads):
        p.grad += g
    assert optim.clip_grad_norm(params, 1.0) == 5.0
    np.testing.assert_allclose(params[0].grad, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad, [0.0, 0.8], rtol=1e-6)


# --- bad arguments -------------------------------------------------------------------------

OPTIMIZERS = [optim.SGD, optim.RMSprop, optim.Adam, optim.AdamW]


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_negative_learning_rate_is_refused(optimizer_class):
    with pytest.raises(ValueError, match=r"lr must be >= 0, got -0.1"):
        optimizer_class([Parameter(np.zeros(2))], lr=-0.1)


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_empty_parameter_list_is_refused(optimizer_class):
    with pytest.raises(ValueError, match=rf"{optimizer_class.__name__} got an empty parameter list"):
        optimizer_class([], lr=0.1)


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_raw_arrays_instead_of_parameters_are_refused(optimizer_class):
    with pytest.raises(TypeError, match=r"expects Parameters .*got ndarray at position 0"):
        optimizer_class([np.zeros(2)], lr=0.1)


@pytest.mark.parametrize("optimizer_class", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("betas, message", [
    ((1.0, 0.999), r"betas\[0\] must be in \[0, 1\), got 1.0"),
    ((0.9, -0.5), r"betas\[1\] must be in \[0, 1\), got -0.5"),
    ((0.9,), r"betas must be a pair \(beta1, beta2\), got \(0.9,\)"),
    (0.9, r"betas must be a pair \(beta1, beta2\), got 0.9"),
])
def test_bad_betas_are_refused(optimizer_class, betas, message):
    with pytest.raises(ValueError, match=message):
        optimizer_class([Parameter(np.zeros(2))], betas=betas)


def test_nesterov_without_momentum_is_refused():
    with pytest.raises(ValueError, match=r"nesterov=True needs momentum > 0.*momentum=0.0"):
        optim.SGD([Parameter(np.zeros(2))], lr=0.1, nesterov=True)


def test_nesterov_with_dampening_is_refused():
    with pytest.raises(ValueError, match=r"nesterov=True needs .*dampening=0.5"):
        optim.SGD([Parameter(np.zeros(2))], lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)


def test_negative_weight_decay_is_refused():
    with pytest.raises(ValueError, match=r"weight_decay must be >= 0, got -0.01"):
        optim.Adam([Parameter(np.zeros(2))], weight_decay=-0.01)


@pytest.mark.parametrize("max_norm", [0.0, -1.0])
def test_clip_grad_norm_refuses_a_non_positive_max_norm(max_norm):
    with pytest.raises(ValueError, match=rf"max_norm must be > 0, got {max_norm}"):
        optim.clip_grad_norm([Parameter(np.zeros(2))], max_norm)
