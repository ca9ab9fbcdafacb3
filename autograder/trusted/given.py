"""What the trusted runner gives a learner's code instead of nnlib: only the given parts.

Some exercises hand the learner nnlib objects: the residual and dense blocks wrap given
``Sequential(Linear, ReLU, ...)`` modules, ``predict`` receives a trained model with batch norm
and dropout, and ``numerical_gradient`` differentiates the loss of a given ``Linear`` layer.
The trusted run has no nnlib at all (so that no part can delegate to it), so those objects are
rebuilt inside the sandbox from their state as instances of the small classes below, which do
the same arithmetic as nnlib's (``Y = X W + b``, ``max(0, x)``, PyTorch's batch norm and
inverted dropout, the mean squared error) and nothing else.

Which of them exist depends on the assignment (:data:`GIVEN`): a class that is part of what an
assignment asks for is never given in it (the backpropagation assignment gets ``Linear``
without ``backward``, since it asks for a Linear layer's backward pass). Everything else of
nnlib is a placeholder whose use raises ``ImportError`` with the sandbox's "not available while
grading" message, which the grader reports as delegation.

:func:`install` puts such a stand-in ``nnlib`` in ``sys.modules`` while the checks package is
imported (its modules import nnlib at the top, for their reference answers), and
:func:`uninstall` removes it again before any learner code runs, so that ``import nnlib`` in a
learner's cell meets the sandbox's blocker.
"""
from __future__ import annotations

import math
import sys
import types

import numpy as np

from autograder.sandbox import BLOCKED_MESSAGE

#: Assignment -> the nnlib classes (and methods) its exercises hand to the learner's code.
GIVEN: dict[str, frozenset[str]] = {
    "architectures": frozenset({"Sequential", "Sequential.backward", "Linear", "Linear.backward",
                                "ReLU", "ReLU.backward"}),
    "interview": frozenset({"Sequential", "Linear", "ReLU", "BatchNorm1d", "Dropout"}),
    "backpropagation": frozenset({"Linear", "MSELoss"}),
}
#: Always present: the base classes the checks subclass or construct (no arithmetic in them).
ALWAYS = frozenset({"Module", "Parameter"})
#: The stand-in's submodules (nnlib's public modules).
SUBMODULES = ("activations", "layers", "module", "losses", "optim", "init", "gradcheck",
              "regularization", "train", "data", "metrics", "augment", "_validate")


def given_for(assignments) -> frozenset[str]:
    """The union of what the given assignments hand to learners, plus the base classes."""
    names = set(ALWAYS)
    for assignment in assignments:
        names |= GIVEN.get(assignment, frozenset())
    return frozenset(names)


def _unavailable(name: str):
    message = f"nnlib.{name} {BLOCKED_MESSAGE}"

    def refuse(*args, **kwargs):
        raise ImportError(message)

    return refuse


class _PlaceholderMeta(type):
    """A placeholder class: subclassable (the checks subclass nnlib classes at import time), but
    creating an instance or calling it raises ImportError."""

    def __call__(cls, *args, **kwargs):
        raise ImportError(f"nnlib.{cls._nnlib_name} {BLOCKED_MESSAGE}")

    def __getattr__(cls, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return _placeholder(f"{cls._nnlib_name}.{attribute}")


def _placeholder(name: str) -> type:
    return _PlaceholderMeta(name.rsplit(".", 1)[-1], (), {"_nnlib_name": name})


# --- the given classes -------------------------------------------------------------------------

# The error messages are nnlib's, word for word: a known mistake is recognised by the exception
# it raises, and the grader compares a learner's error here with the mistake's under nnlib.

def _float_array(x, name):
    if isinstance(x, np.ndarray):
        if x.dtype not in (np.float32, np.float64):
            raise TypeError(f"{name} must be a float32 or float64 array, got dtype {x.dtype}; "
                            f"convert it with {name}.astype(np.float64)")
        return x
    if isinstance(x, (int, float, list, tuple)) and not isinstance(x, bool):
        return np.asarray(x, dtype=np.float64)
    raise TypeError(f"{name} must be a numpy float array, got {type(x).__name__}")


def _check_ndim(x, name, ndim, layout):
    if x.ndim != ndim:
        raise ValueError(f"{name} must have shape {layout}, got shape {x.shape}")


def _check_dtype(x, name, dtype, owner):
    if x.dtype != dtype:
        raise TypeError(f"{owner} computes in {np.dtype(dtype).name} but {name} has dtype "
                        f"{x.dtype}; cast it with {name}.astype(np.{np.dtype(dtype).name}) or "
                        f"build {owner} with dtype=np.{x.dtype.name}")


def _check_grad(layer, grad_out, expected_shape):
    if expected_shape is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")
    grad_out = _float_array(grad_out, "grad_out")
    if grad_out.shape != tuple(expected_shape):
        raise ValueError(f"{type(layer).__name__}.backward: grad_out must have the forward "
                         f"output's shape {tuple(expected_shape)}, got {grad_out.shape}")
    return grad_out


class Parameter:
    """A trainable array ``data`` and the gradient ``grad`` accumulated for it."""

    def __init__(self, data):
        self.data = _float_array(data, "data")
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self):
        return self.data.shape

    def zero_grad(self):
        self.grad.fill(0.0)


class Module:
    """forward/backward, parameters found in attributes and in lists of child modules."""

    training = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad_out):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, x):
        return self.forward(x)

    def named_children(self):
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{index}", item

    def parameters(self):
        found, seen = [], set()

        def walk(module):
            for value in vars(module).values():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    found.append(value)
            for _, child in module.named_children():
                walk(child)

        walk(self)
        return found

    def zero_grad(self):
        for parameter in self.parameters():
            parameter.zero_grad()

    def train(self, mode=True):
        self.training = bool(mode)
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self):
        return self.train(False)


class Sequential(Module):
    def __init__(self, *modules):
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential takes Modules, got {type(module).__name__} at "
                                f"position {index}")
        self.layers = list(modules)

    def named_children(self):
        for index, module in enumerate(self.layers):
            yield str(index), module

    def forward(self, x):
        for module in self.layers:
            x = module(x)
        return x

    def backward(self, grad_out):
        for module in reversed(self.layers):
            grad_out = module.backward(grad_out)
        return grad_out

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)


class Linear(Module):
    """Y = X W + b; backward adds X^T G to W's gradient, the column sums of G to b's, and
    returns G W^T."""

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None,
                 dtype=np.float64):
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.dtype = np.dtype(dtype)
        scale = math.sqrt(2.0 / self.in_features)
        weights = np.random.default_rng(rng).standard_normal((self.in_features, self.out_features))
        self.weight = Parameter((scale * weights).astype(self.dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype=self.dtype)) if bias else None
        self._x = None

    def forward(self, x):
        x = _float_array(x, "x")
        _check_ndim(x, "x", 2, "(batch, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) expects x of "
                             f"shape (batch, {self.in_features}), got {x.shape}")
        _check_dtype(x, "x", self.dtype, "Linear")
        self._x = x
        out = x @ self.weight.data
        if self.bias is not None:
            out += self.bias.data
        return out

    def backward(self, grad_out):
        expected = None if self._x is None else (self._x.shape[0], self.out_features)
        grad_out = _check_grad(self, grad_out, expected)
        self.weight.grad += self._x.T @ grad_out
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=0)
        return grad_out @ self.weight.data.T


class ReLU(Module):
    def __init__(self):
        self._x = None

    def forward(self, x):
        self._x = _float_array(x, "x")
        return np.maximum(self._x, 0.0)

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, None if self._x is None else self._x.shape)
        return grad_out * (self._x > 0)


class Dropout(Module):
    """Inverted dropout with drop probability ``p``; the identity in evaluation mode."""

    def __init__(self, p=0.5, rng=None):
        self.p = float(p)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self._mask = None
        self._shape = None

    def forward(self, x):
        x = _float_array(x, "x")
        self._shape = x.shape
        if not self.training or self.p == 0.0:
            self._mask = None
            return x.copy()
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self._mask = keep * np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._mask

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, self._shape)
        return grad_out.copy() if self._mask is None else grad_out * self._mask


class BatchNorm1d(Module):
    """PyTorch's batch normalization over (N, features): batch statistics in training (and the
    running estimates updated with ``momentum``, the variance unbiased), the running estimates
    in evaluation."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float64):
        self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), float(momentum)
        self.dtype = np.dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype=self.dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype=self.dtype))
        self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
        self.running_var = np.ones(self.num_features, dtype=self.dtype)
        self._cache = None

    def forward(self, x):
        x = _float_array(x, "x")
        _check_ndim(x, "x", 2, "(batch, num_features)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expects x of shape (batch, "
                             f"{self.num_features}), got {x.shape}")
        _check_dtype(x, "x", self.dtype, "BatchNorm1d")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d in training mode needs a batch of at least 2 to estimate a "
                    f"variance, got a batch of {n}; call .eval() to use the running statistics")
            mean = x.mean(axis=0)
            centered = x - mean
            var = np.mean(centered * centered, axis=0)
            m = self.momentum
            self.running_mean *= 1.0 - m
            self.running_mean += m * mean
            self.running_var *= 1.0 - m
            self.running_var += m * var * (n / (n - 1))
        else:
            centered = x - self.running_mean
            var = self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centered * inv_std
        self._cache = (x_hat, inv_std, self.training)
        return x_hat * self.weight.data + self.bias.data


class MSELoss:
    """The mean of the squared differences, over every element."""

    def __init__(self):
        self._cache = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        pred = _float_array(pred, "pred")
        target = np.asarray(target)
        if target.dtype.kind in "biu":
            target = target.astype(pred.dtype)
        target = _float_array(target, "target")
        if pred.shape != target.shape:
            raise ValueError(f"pred and target must have the same shape, got {pred.shape} and "
                             f"{target.shape}")
        if pred.size == 0:
            raise ValueError(f"pred is empty (shape {pred.shape}); a loss needs at least one "
                             "element")
        target = target.astype(pred.dtype, copy=False)
        diff = pred - target
        self._cache = diff
        return float(np.mean(diff * diff))


CLASSES = {cls.__name__: cls for cls in (Parameter, Module, Sequential, Linear, ReLU, Dropout,
                                         BatchNorm1d, MSELoss)}
_HOME = {"Parameter": "layers", "Module": "layers", "Sequential": "layers", "Linear": "layers",
         "ReLU": "layers", "Dropout": "layers", "BatchNorm1d": "layers", "MSELoss": "losses"}


def _restricted(cls: type, given: frozenset[str]) -> type:
    """``cls`` with every method that ``given`` does not list replaced by a refusal."""
    gated = {}
    for attribute in ("backward",):
        if attribute in vars(cls) and f"{cls.__name__}.{attribute}" not in given:
            gated[attribute] = _unavailable(f"{_HOME[cls.__name__]}.{cls.__name__}.{attribute}")
    if not gated:
        return cls
    return type(cls.__name__, (cls,), gated)


def classes_for(given: frozenset[str]) -> dict[str, type]:
    """The stand-in classes that exist for ``given`` (what :func:`given_for` returned)."""
    return {name: _restricted(cls, given) for name, cls in CLASSES.items() if name in given}


def make_nnlib(given: frozenset[str]) -> dict[str, types.ModuleType]:
    """Stand-in modules ``nnlib`` and ``nnlib.<sub>``: the given classes, placeholders for the rest."""
    available = classes_for(given)
    modules = {}
    package = types.ModuleType("nnlib", "A stand-in for nnlib while grading: only given parts.")
    package.__path__ = []
    modules["nnlib"] = package
    for sub in SUBMODULES:
        module = types.ModuleType(f"nnlib.{sub}")
        for name, cls in available.items():
            if _HOME[name] == sub or (sub == "module" and name in ("Module", "Parameter",
                                                                    "Sequential")):
                setattr(module, name, cls)

        def missing(attribute, _sub=sub):
            if attribute.startswith("__"):
                raise AttributeError(attribute)
            return _placeholder(f"{_sub}.{attribute}")

        module.__getattr__ = missing
        modules[f"nnlib.{sub}"] = module
        setattr(package, sub, module)
    return modules


def install(given: frozenset[str]) -> dict[str, type]:
    """Put the stand-in nnlib in ``sys.modules``; return the given classes by name."""
    modules = make_nnlib(given)
    sys.modules.update(modules)
    return {name: getattr(modules[f"nnlib.{_HOME[name]}"], name) for name in classes_for(given)}


def uninstall() -> None:
    """Remove the stand-in from ``sys.modules`` (the checks keep their references to it)."""
    for name in [n for n in sys.modules if n == "nnlib" or n.startswith("nnlib.")]:
        del sys.modules[name]
