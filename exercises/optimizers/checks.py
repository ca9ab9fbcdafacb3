"""Checks for the optimizers assignment: moving averages, SGD with momentum, RMSprop, Adam and
AdamW, each as one update step on arrays (chapter ``04_optimization``)."""
from __future__ import annotations

import numpy as np

from nnlib import optim

import copy

from autograder.checks._build import function_aspect, randn, shapes
from autograder.checks._core import (PARTS, Aspect, Case, Part, Probe, Steps, register,
                                     signature_names, unmodified, unpack)

ASSIGNMENT = "optimizers"
CHAPTER = "04_optimization"


# --- ema --------------------------------------------------------------------------------------

def ref_ema(values, beta, bias_correction=False, _t_offset=0):
    """Moving averages from nnlib's Adam first moment, which is exactly this average.

    ``_t_offset`` is for the step-count symptoms only: the bias correction at step t + offset.
    """
    m = np.zeros_like(values[0])
    out = np.empty_like(values)
    for t, x in enumerate(values, start=1):
        _, m, _ = optim.adam_update(np.zeros_like(x), x, m, np.zeros_like(x), t, lr=0.0, beta1=beta)
        out[t - 1] = m / (1 - beta ** (t + _t_offset)) if bias_correction else m
    return out


def _step_probes(change):
    """The symptoms of a step counter off by one: nnlib at t + 1 and at t - 1 (``change(case,
    offset)`` returns the case with the offset, or None if it does not apply)."""
    return (
        Probe("step-ahead", "Your results are nnlib's one step later (t + 1 instead of t): is "
              "your step counter one ahead? t already starts at 1 (the first step is t = 1), so "
              "use it as given in 1 - beta^t; do not add 1 and do not count from 0 and add 1 "
              "twice.", lambda case: change(case, 1)),
        Probe("step-behind", "Your results are nnlib's one step earlier (t - 1 instead of t): "
              "is your step counter one behind? The first step is t = 1 and its bias "
              "correction is 1 - beta^1; a counter started at 0 (enumerate without start=1) "
              "is one short.", lambda case: change(case, -1)),
        Probe("no-bias-correction", "Your results are nnlib's without the bias correction (as "
              "at a very large t, where 1 - beta^t = 1): divide the moving average by "
              "1 - beta^t, with t the step count starting at 1, before using it.",
              lambda case: change(case, NO_CORRECTION)),
    )


#: A step offset so large that 1 - beta^t is 1: nnlib without its bias correction.
NO_CORRECTION = 10 ** 9


def _ema_offset(case, offset):
    if not case.kwargs.get("bias_correction"):
        return None
    return case.replace(_t_offset=offset) if len(case.args[0]) + offset >= 1 else None


def _ema_cases(correction):
    def cases(rng, hidden):
        def case(label, values, beta):
            values = np.asarray(values)
            dtype = ", float32" if values.dtype == np.float32 else ""
            return Case(f"{label}: values {values.shape}{dtype}, beta = {beta}",
                        (values, beta), {"bias_correction": correction},
                        float32=values.dtype == np.float32)

        found = [case("a noisy sequence", 5.0 + randn(rng, 12), 0.9),
                 case("a constant sequence (all 2.0)", np.full(8, 2.0), 0.8),
                 case("a single value", np.array([float(rng.integers(2, 9))]), 0.9),
                 case("float32 values", randn(rng, 6, dtype=np.float32), 0.5),
                 case("beta = 0 (no memory)", randn(rng, 5), 0.0)]
        if hidden:
            found += [case("a sequence of vectors", randn(rng, 10, 3), 0.95)]
        return found
    return cases


register(
    Part("ema", ASSIGNMENT, "Exponential moving averages and bias correction", CHAPTER,
         "optimization-adam", "ema(values, beta, bias_correction)"),
    function_aspect("ema", "plain", "the moving averages without bias correction",
                    _ema_cases(False), ref_ema, ("averages",)),
    function_aspect("ema", "corrected", "the bias-corrected moving averages",
                    _ema_cases(True), ref_ema, ("averages",), probes=_step_probes(_ema_offset)),
)


# --- shared: one step, and a trajectory on a valley --------------------------------------------

CURVATURE = np.array([1.0, 10.0, 0.1])


def _trajectory_aspect(part, what, step_call, reference_call, cases, probes=()):
    """An aspect that runs several steps on the valley L = sum(c * theta^2) / 2.

    ``step_call(impl, theta, grad, state, t, hyper)`` returns ``(theta, state)`` for the learner's
    function (``state`` is the tuple of optimizer buffers it returns besides the parameters).
    Each step must leave its inputs (parameters, gradient, state) as they were: the task asks
    for new arrays. ``hyper["_t_offset"]`` (symptoms only) runs nnlib at step t + offset.
    """
    def run(step, case, owned):
        (theta, state, steps), hyper = case.fresh_args()
        offset = hyper.pop("_t_offset", 0)
        path = Steps()
        for t in range(1, steps + 1):
            grad = CURVATURE[: theta.size].reshape(theta.shape).astype(theta.dtype) * theta
            # what the learner's function receives, named as in its signature: param, grad and
            # the state (velocity; square_avg; m, v)
            given = (theta, grad, *(state if isinstance(state, tuple) else (state,)))
            pristine = copy.deepcopy(given) if owned else None
            theta, state = step(theta, grad, state, t + offset, hyper)
            if owned:
                unmodified(part, signature_names(PARTS[part].signature), (pristine, {}),
                           (given, {}))
            path.append(theta)
        return {"parameters": path}

    def observe(impl, case):
        return run(lambda *a: step_call(impl, *a), case, owned=True)

    def expect(case):
        return run(reference_call, case, owned=False)

    return Aspect(part, "trajectory", what, cases, observe, expect,
                  arguments=("start", "state", "steps"), probes=probes)


def _trajectory_offset(case, offset):
    return case.replace(_t_offset=offset) if offset > 0 else None


def _start(rng, dtype=np.float64):
    return randn(rng, 3, scale=2.0, dtype=dtype)


# --- sgd_momentum_step ------------------------------------------------------------------------

def ref_sgd_momentum_step(param, grad, velocity, lr, momentum):
    return optim.sgd_update(param, grad, velocity, lr=lr, momentum=momentum)


def _sgd_one_cases(rng, hidden):
    def case(label, param, grad, velocity, lr, momentum):
        return Case(f"{label}: {shapes(param=param, grad=grad, velocity=velocity)}, lr = {lr}, "
                    f"momentum = {momentum}", (param, grad, velocity, lr, momentum),
                    float32=param.dtype == np.float32)

    cases = [case("a first step (zero velocity)", randn(rng, 4), randn(rng, 4), np.zeros(4), 0.1, 0.9),
             case("a step with an existing velocity", randn(rng, 2, 3), randn(rng, 2, 3),
                  randn(rng, 2, 3), 0.05, 0.9),
             case("a zero gradient (the velocity keeps moving)", randn(rng, 3), np.zeros(3),
                  randn(rng, 3), 0.1, 0.9),
             case("float32 arrays", randn(rng, 4, dtype=np.float32), randn(rng, 4, dtype=np.float32),
                  randn(rng, 4, dtype=np.float32), 0.1, 0.9)]
    if hidden:
        cases += [case("a step with momentum 0.5", randn(rng, 5), randn(rng, 5), randn(rng, 5), 0.2, 0.5)]
    return cases


def _sgd_trajectory_cases(rng, hidden):
    settings = [(0.05, 0.9, 6), (0.1, 0.5, 8), (0.01, 0.99, 10)] + ([(0.02, 0.95, 9)] if hidden
                                                                     else [])
    found = [Case(f"{steps} steps on the valley L = (t1^2 + 10 t2^2 + 0.1 t3^2) / 2 from zero "
                  f"velocity, lr = {lr}, momentum = {mu}",
                  (_start(rng), np.zeros(3), steps), {"lr": lr, "momentum": mu})
             for lr, mu, steps in settings]
    return found + [Case("5 float32 steps on the same valley from zero velocity, lr = 0.05, "
                         "momentum = 0.9", (_start(rng, np.float32), np.zeros(3, np.float32), 5),
                         {"lr": 0.05, "momentum": 0.9}, float32=True)]


def _sgd_step(impl, theta, grad, velocity, t, hyper):
    theta, velocity = unpack(impl(theta, grad, velocity, hyper["lr"], hyper["momentum"]),
                             ("param", "velocity"), "sgd_momentum_step")
    return theta, velocity


register(
    Part("sgd_momentum_step", ASSIGNMENT, "SGD with momentum", CHAPTER, "optimization-momentum",
         "sgd_momentum_step(param, grad, velocity, lr, momentum)"),
    function_aspect("sgd_momentum_step", "one_step", "one step (new parameters and velocity)",
                    _sgd_one_cases, ref_sgd_momentum_step, ("param", "velocity")),
    _trajectory_aspect("sgd_momentum_step", "several steps in a row", _sgd_step,
                       lambda *a: _sgd_step(ref_sgd_momentum_step, *a), _sgd_trajectory_cases),
)


# --- rmsprop_step -----------------------------------------------------------------------------

def ref_rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
    new_param, square_avg, _, _ = optim.rmsprop_update(param, grad, square_avg, None, lr=lr,
                                                       alpha=alpha, eps=eps)
    return new_param, square_avg


def _rmsprop_cases(tiny):
    def cases(rng, hidden):
        def case(label, scale, s_scale, lr, alpha, n=4, dtype=np.float64):
            param, grad = randn(rng, n, dtype=dtype), randn(rng, n, scale=scale, dtype=dtype)
            if n > 1:  # one small entry in every case: where epsilon goes shows in each draw
                grad[0] = np.copysign(0.05 * scale, grad[0])
            s = (s_scale * rng.uniform(0.5, 1.5, n)).astype(dtype)  # never near 0 by chance
            return Case(f"{label}: {shapes(param=param)}, gradients of size about {scale:g}, "
                        f"lr = {lr}, alpha = {alpha}", (param, grad, s, lr),
                        {"alpha": alpha}, float32=dtype == np.float32)

        if tiny:
            found = [case("a first step (square_avg = 0) with tiny gradients", 1e-6, 0.0, 0.01, 0.99),
                     case("tiny gradients and a small square_avg", 1e-7, 1e-14, 0.01, 0.9),
                     case("tiny float32 gradients, first step", 1e-5, 0.0, 0.01, 0.99,
                          dtype=np.float32)]
            if hidden:
                found += [case("gradients of size 1e-9, first step", 1e-9, 0.0, 0.1, 0.99)]
            return found
        found = [case("a first step (square_avg = 0)", 1.0, 0.0, 0.01, 0.99),
                 case("a step with an existing square_avg", 2.0, 4.0, 0.01, 0.9),
                 case("large gradients", 1e3, 1e6, 0.001, 0.99),
                 case("a single parameter", 0.5, 0.25, 0.1, 0.5, n=1),
                 case("float32 arrays", 1.0, 1.0, 0.01, 0.99, dtype=np.float32)]
        if hidden:
            found += [case("a step with an existing square_avg", 0.5, 1.0, 0.05, 0.95)]
        return found
    return cases


register(
    Part("rmsprop_step", ASSIGNMENT, "RMSprop", CHAPTER, "optimization-rmsprop",
         "rmsprop_step(param, grad, square_avg, lr, alpha, eps)"),
    function_aspect("rmsprop_step", "step", "one step (new parameters and square_avg)",
                    _rmsprop_cases(False), ref_rmsprop_step, ("param", "square_avg")),
    function_aspect("rmsprop_step", "tiny_gradients",
                    "one step with tiny gradients (where epsilon goes)",
                    _rmsprop_cases(True), ref_rmsprop_step, ("param", "square_avg")),
)


# --- adam_step and adamw_step -----------------------------------------------------------------

def ref_adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return optim.adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def ref_adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                   weight_decay=1e-2):
    return optim.adam_update(param, grad, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                             weight_decay=weight_decay, decoupled_weight_decay=True)


def _adam_one_cases(decay):
    def cases(rng, hidden):
        def case(label, t, param, grad, m, v, **hyper):
            if decay:
                hyper.setdefault("weight_decay", 0.1)
                hyper.setdefault("lr", 0.05)
            text = ", ".join(f"{k} = {val}" for k, val in hyper.items())
            return Case(f"{label}: t = {t}, {shapes(param=param)}" + (f", {text}" if text else ""),
                        (param, grad, m, v, t), hyper, float32=param.dtype == np.float32)

        n = 4
        found = [case("a first step from m = v = 0", 1, randn(rng, n), randn(rng, n),
                      np.zeros(n), np.zeros(n)),
                 case("a first step with lr = 0.01", 1, randn(rng, 2, 3), randn(rng, 2, 3),
                      np.zeros((2, 3)), np.zeros((2, 3)), lr=0.01),
                 case("step 5 with existing moments", 5, randn(rng, n), randn(rng, n),
                      randn(rng, n, scale=0.1), 0.01 * rng.random(n)),
                 case("a first step with gradients of size 1000", 1, randn(rng, n),
                      randn(rng, n, scale=1e3), np.zeros(n), np.zeros(n)),
                 case("a zero gradient at step 3", 3, randn(rng, n), np.zeros(n),
                      randn(rng, n, scale=0.1), 0.01 * rng.random(n)),
                 case("tiny gradients (where epsilon goes) at step 2", 2, randn(rng, n),
                      randn(rng, n, scale=1e-7), randn(rng, n, scale=1e-8),
                      1e-15 * rng.random(n)),
                 case("float32 arrays", 1, randn(rng, n, dtype=np.float32),
                      randn(rng, n, dtype=np.float32), np.zeros(n, np.float32),
                      np.zeros(n, np.float32))]
        if hidden:
            found += [case("step 4 with existing moments", 4, randn(rng, 2, 3), randn(rng, 2, 3),
                           randn(rng, 2, 3, scale=0.1), 0.01 * rng.random((2, 3)))]
        return found
    return cases


def _adam_trajectory_cases(decay):
    def cases(rng, hidden):
        settings = [(0.1, 12), (0.01, 20), (0.5, 6)] + ([(0.2, 9)] if hidden else [])
        hyper = {"weight_decay": 0.05} if decay else {}
        found = [Case(f"{steps} steps from m = v = 0 on the valley L = (t1^2 + 10 t2^2 + 0.1 "
                      f"t3^2) / 2, lr = {lr}" + (", weight_decay = 0.05" if decay else ""),
                      (_start(rng), (np.zeros(3), np.zeros(3)), steps), {"lr": lr, **hyper})
                 for lr, steps in settings]
        zeros = np.zeros(3, np.float32)
        found.append(Case("5 float32 steps from m = v = 0 on the same valley, lr = 0.1"
                          + (", weight_decay = 0.05" if decay else ""),
                          (_start(rng, np.float32), (zeros, zeros.copy()), 5),
                          {"lr": 0.1, **hyper}, float32=True))
        # Gradients of about 1e-7 to 1e-5, where epsilon matters at every step (and the
        # valley's own scale no longer hides an L2 term added to the gradient).
        return found + [Case("8 steps from m = v = 0 on the same valley from a tiny start "
                             "(entries about 1e-6), lr = 1e-7"
                             + (", weight_decay = 0.05" if decay else ""),
                             (1e-6 * _start(rng), (np.zeros(3), np.zeros(3)), 8),
                             {"lr": 1e-7, **hyper})]
    return cases


def _adam_offset(case, offset):
    t = case.args[4]
    return case.replace(*case.args[:4], t + offset) if t + offset >= 1 else None


def _adam_like_step(name):
    def step(impl, theta, grad, state, t, hyper):
        m, v = state
        theta, m, v = unpack(impl(theta, grad, m, v, t, **hyper), ("param", "m", "v"), name)
        return theta, (m, v)
    return step


for _name, _title, _anchor, _reference, _decay in [
    ("adam_step", "Adam with bias correction", "optimization-adam", ref_adam_step, False),
    ("adamw_step", "AdamW: decoupled weight decay", "optimization-adamw", ref_adamw_step, True),
]:
    _step = _adam_like_step(_name)
    register(
        Part(_name, ASSIGNMENT, _title, CHAPTER, _anchor,
             f"{_name}(param, grad, m, v, t, lr, beta1, beta2, eps"
             + (", weight_decay)" if _decay else ")")),
        function_aspect(_name, "one_step", "one step (new parameters, m and v)",
                        _adam_one_cases(_decay), _reference, ("param", "m", "v"),
                        probes=_step_probes(_adam_offset)),
        _trajectory_aspect(_name, "several steps in a row", _step,
                           lambda *a, _s=_step, _r=_reference: _s(_r, *a),
                           _adam_trajectory_cases(_decay), _step_probes(_trajectory_offset)),
    )
