"""``Parameter`` and ``Module``: the two building blocks every layer is made of.

A :class:`Module` maps a batch forward and, given the gradient of a scalar loss with respect to
its output, returns the gradient with respect to its input while *adding* the gradients of its
parameters into their ``.grad``. Accumulating (``+=``) rather than assigning is what makes a
parameter used twice, or two backward calls in a row, come out right; call ``zero_grad()``
before each new backward pass.

Conventions used by every module: a batch is ``(N, features)`` (rows are examples; sequences
``(N, T, features)`` and images ``(N, C, H, W)``, as in PyTorch), weights are
``(in, out)`` so that ``Y = X @ W + b`` reads left to right, and ``backward`` never modifies the
gradient it is given.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from nnlib._validate import float_array


class Parameter:
    """A trainable array and the gradient accumulated for it.

    Attributes:
        data: the values, a float32 or float64 array, updated in place by optimizers.
        grad: an array like ``data``, zero at first, into which ``backward`` adds.
    """

    def __init__(self, data):
        self.data = float_array(data, "data")
        self.grad = np.zeros_like(self.data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        """Reset the accumulated gradient to zero (in place, keeping the array)."""
        self.grad.fill(0.0)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of layers and models: ``forward``, ``backward`` and their parameters.

    Subclasses implement ``forward(x)`` (caching what backward needs) and
    ``backward(grad_out) -> grad_in`` (a layer may return None instead when its
    ``needs_input_grad`` is False, as :class:`nnlib.layers.Linear` does). Parameters and child
    modules stored as attributes (or in a list attribute) are found automatically by
    :meth:`parameters`, :meth:`train` and :meth:`eval`. Modules start in training mode.
    """

    training: bool = True
    #: False when nothing needs the gradient with respect to this module's input (the input is
    #: the data): ``backward`` may then skip computing it and return None, as PyTorch skips the
    #: gradient of an input that does not require one. ``fit`` sets it on the model it trains.
    needs_input_grad: bool = True

    def forward(self, x):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad_out):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, x):
        return self.forward(x)

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        """The direct sub-modules, with their attribute names (``name.i`` inside lists)."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for index, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{index}", item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Every parameter of this module and its children, each once, with a dotted name."""
        seen: set[int] = set()
        for name, parameter in self._all_named_parameters(prefix):
            if id(parameter) not in seen:
                seen.add(id(parameter))
                yield name, parameter

    def _all_named_parameters(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.named_children():
            yield from child._all_named_parameters(f"{prefix}{name}.")

    def parameters(self) -> list[Parameter]:
        """All trainable parameters (each once, even if shared), in a stable order."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to zero."""
        for parameter in self.parameters():
            parameter.zero_grad()

    def train(self, mode: bool = True) -> "Module":
        """Switch this module and every child to training mode (or evaluation if ``mode`` is False)."""
        self.training = bool(mode)
        for _, child in self.named_children():
            child.train(mode)
        return self

    def eval(self) -> "Module":
        """Switch to evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): {child!r}".replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        return ""


class Sequential(Module):
    """Modules applied one after the other: ``forward`` left to right, ``backward`` right to left.

    Example::

        model = Sequential(Linear(2, 16, rng=rng), ReLU(), Linear(16, 1, rng=rng))
        y = model(x)                          # (N, 2) -> (N, 1)
        grad_x = model.backward(grad_y)       # (N, 1) -> (N, 2)
    """

    def __init__(self, *modules: Module):
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential takes Modules, got {type(module).__name__} at position {index}"
                )
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

    @property
    def needs_input_grad(self) -> bool:
        """The first layer's flag: the input of a Sequential is the input of its first layer."""
        return self.layers[0].needs_input_grad if self.layers else True

    @needs_input_grad.setter
    def needs_input_grad(self, value: bool) -> None:
        if self.layers:
            self.layers[0].needs_input_grad = value

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)
