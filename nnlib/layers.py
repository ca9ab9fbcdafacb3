r"""Layers: Linear, activations, Dropout, BatchNorm1d, Residual, DenseBlock (and Sequential);
and, from :mod:`nnlib.attention` and :mod:`nnlib.conv`, LayerNorm, MultiHeadAttention, Conv2d,
MaxPool2d and Flatten.

Every layer takes a batch ``x`` of shape ``(N, features)`` (activations and Dropout accept any
shape), caches what its backward pass needs, and in ``backward(grad_out)`` returns
:math:`\partial L / \partial x` while adding :math:`\partial L / \partial \theta` into each
parameter's ``.grad``. Semantics follow PyTorch, except that ``Linear.weight`` is ``(in, out)``.
"""
from __future__ import annotations

import numpy as np

from nnlib import activations as act
from nnlib._validate import (
    check_dtype_matches,
    check_float_dtype,
    check_ndim,
    float_array,
    generator,
    in_unit_interval,
    positive,
    positive_int,
)
from nnlib.init import INITIALIZERS
from nnlib.module import Module, Parameter, Sequential


def _check_grad(layer: Module, grad_out, expected_shape) -> np.ndarray:
    """Validate ``grad_out`` against the shape of the last forward output."""
    if expected_shape is None:
        raise RuntimeError(f"{type(layer).__name__}.backward called before forward")
    grad_out = float_array(grad_out, "grad_out")
    if grad_out.shape != expected_shape:
        raise ValueError(
            f"{type(layer).__name__}.backward: grad_out must have the forward output's shape "
            f"{expected_shape}, got {grad_out.shape}"
        )
    return grad_out


class Linear(Module):
    r"""Fully connected layer :math:`Y = XW + b`.

    Shapes: ``x`` (N, in_features) -> ``y`` (N, out_features); ``weight`` (in_features,
    out_features), ``bias`` (out_features,). As in PyTorch, ``x`` may have more leading axes,
    (N, ..., in_features) -> (N, ..., out_features) (a sequence (N, T, D), say): every position
    is then one row of :math:`X`. Backward, with :math:`G = \partial L/\partial Y`:

    .. math:: \frac{\partial L}{\partial W} = X^\top G,\quad
              \frac{\partial L}{\partial b} = \textstyle\sum_n G_n,\quad
              \frac{\partial L}{\partial X} = G W^\top

    When nothing needs :math:`\partial L/\partial X` (the layer's input is the data, and
    ``needs_input_grad`` is False, as :func:`nnlib.train.fit` sets it), backward skips that
    product and returns None.

    Args:
        init: ``"he"`` (normal, for ReLU nets; the default), ``"he_uniform"``, ``"xavier"``
            (uniform, for tanh/sigmoid nets), ``"xavier_normal"``. Biases start at zero.
        rng: a ``np.random.Generator`` for the initial weights (None: unseeded).
        dtype: np.float64 (default) or np.float32; inputs must have the same dtype.
    """

    def __init__(self, in_features, out_features, bias=True, init="he", rng=None,
                 dtype=np.float64):
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        if init not in INITIALIZERS:
            raise ValueError(f"init must be one of {sorted(INITIALIZERS)}, got {init!r}")
        self.dtype = check_float_dtype(dtype)
        self.weight = Parameter(INITIALIZERS[init](self.in_features, self.out_features,
                                                   generator(rng), self.dtype))
        self.bias = Parameter(np.zeros(self.out_features, dtype=self.dtype)) if bias else None
        self._x = None

    def forward(self, x):
        x = float_array(x, "x")
        if x.ndim < 2:  # one example without its batch axis: refused, never guessed
            check_ndim(x, "x", 2, "(batch, in_features)")
        if x.shape[-1] != self.in_features:
            leading = "batch" if x.ndim == 2 else "batch, ..."
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects x of shape "
                f"({leading}, {self.in_features}), got {x.shape}"
            )
        check_dtype_matches(x, "x", self.dtype, "Linear")
        self._x = x
        out = x @ self.weight.data
        if self.bias is not None:
            out += self.bias.data
        return out

    def backward(self, grad_out):
        expected = None if self._x is None else self._x.shape[:-1] + (self.out_features,)
        grad_out = _check_grad(self, grad_out, expected)
        x = self._x.reshape(-1, self.in_features)  # (N, ..., in) -> (rows, in); 2-D: unchanged
        grad_rows = grad_out.reshape(-1, self.out_features)
        self.weight.grad += x.T @ grad_rows
        if self.bias is not None:
            self.bias.grad += grad_rows.sum(axis=0)
        if not self.needs_input_grad:  # x is the data: skip G W^T, a third of the layer's work
            return None
        return grad_out @ self.weight.data.T

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={self.bias is not None}"


class _Elementwise(Module):
    r"""An activation :math:`y = f(x)` applied elementwise; backward is :math:`G \odot f'(x)`.

    A subclass gives ``_fn(x)`` and ``_derivative(x)``, :math:`f'` at the input cached by forward
    (or from the cached output ``self._y`` where that is cheaper, as for the sigmoid and tanh).
    """

    def __init__(self):
        self._x = None
        self._y = None

    def _fn(self, x):
        raise NotImplementedError

    def _derivative(self, x):
        raise NotImplementedError

    def forward(self, x):
        self._x = float_array(x, "x")
        self._y = self._fn(self._x)
        return self._y

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, None if self._x is None else self._x.shape)
        return grad_out * self._derivative(self._x)


class Sigmoid(_Elementwise):
    r""":math:`\sigma(x)`, elementwise. Backward: :math:`G\,\sigma(x)(1 - \sigma(x))`."""

    def _fn(self, x):
        return act.sigmoid(x)

    def _derivative(self, x):
        return self._y * (1.0 - self._y)  # sigma(x) (1 - sigma(x)), from the cached output


class Tanh(_Elementwise):
    r""":math:`\tanh(x)`, elementwise. Backward: :math:`G\,(1 - \tanh^2 x)`."""

    def _fn(self, x):
        return np.tanh(x)

    def _derivative(self, x):
        return 1.0 - self._y * self._y  # 1 - tanh^2(x), from the cached output


class ReLU(_Elementwise):
    r""":math:`\max(0, x)`, elementwise. Backward passes :math:`G` where :math:`x > 0`, else 0."""

    def _fn(self, x):
        return np.maximum(x, 0.0)

    def _derivative(self, x):
        return x > 0  # 1 where x > 0, else 0 (0 at the kink, as PyTorch)


class LeakyReLU(_Elementwise):
    r""":math:`x` where :math:`x > 0`, else ``negative_slope`` :math:`\cdot x`."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def _fn(self, x):
        return act.leaky_relu(x, self.negative_slope)

    def _derivative(self, x):
        return act.leaky_relu_derivative(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class GELU(_Elementwise):
    r""":math:`x\,\Phi(x)` (``approximate="none"``) or its tanh approximation (``"tanh"``)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = act._check_approximate(approximate)

    def _fn(self, x):
        return act.gelu(x, self.approximate)

    def _derivative(self, x):
        return act.gelu_derivative(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(_Elementwise):
    r""":math:`x\,\sigma(x)` (Swish), elementwise."""

    def _fn(self, x):
        return act.silu(x)

    def _derivative(self, x):
        return act.silu_derivative(x)


class Softmax(Module):
    r"""Softmax along ``axis``. Backward is the Jacobian-vector product

    .. math:: \frac{\partial L}{\partial x} = s \odot \left(G - \textstyle\sum_j G_j s_j\right)

    (the full Jacobian :math:`\mathrm{diag}(s) - s s^\top` is never formed). For
    classification, prefer :class:`nnlib.losses.CrossEntropyLoss` on logits.
    """

    def __init__(self, axis=-1):
        self.axis = axis
        self._y = None

    def forward(self, x):
        self._y = act.softmax(x, self.axis)
        return self._y

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, None if self._y is None else self._y.shape)
        inner = np.sum(grad_out * self._y, axis=self.axis, keepdims=True)
        return self._y * (grad_out - inner)


class Dropout(Module):
    r"""Inverted dropout: in training, zero each entry with probability ``p`` and scale the rest
    by :math:`1/(1-p)`, so the expected activation is unchanged and evaluation is the identity.

    Shape: any; output like input. Backward multiplies by the *same* mask (scaled) as forward.

    Args:
        p: the probability of dropping an entry, in [0, 1) (PyTorch's meaning, not "keep").
        rng: a ``np.random.Generator`` for the masks (None: unseeded).
    """

    def __init__(self, p=0.5, rng=None):
        self.p = in_unit_interval(p, "p")
        self.rng = generator(rng)
        self._mask = None
        self._shape = None

    def forward(self, x):
        x = float_array(x, "x")
        self._shape = x.shape
        if not self.training or self.p == 0.0:
            self._mask = None
            return x.copy()
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p
        self._mask = keep * np.asarray(1.0 / (1.0 - self.p), dtype=x.dtype)
        return x * self._mask

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, self._shape)
        if self._mask is None:
            return grad_out.copy()
        return grad_out * self._mask

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1d(Module):
    r"""Batch normalization over the batch axis of ``(N, num_features)`` inputs.

    Training mode normalizes with the batch's own statistics,
    :math:`\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}`, outputs
    :math:`\gamma \hat x + \beta`, and updates the running estimates (PyTorch's convention:
    ``momentum`` weights the *new* statistic, and the running variance uses the unbiased batch
    variance):

    .. math:: \bar\mu \leftarrow (1 - m)\,\bar\mu + m\,\mu_B, \qquad
              \bar\sigma^2 \leftarrow (1 - m)\,\bar\sigma^2 + m\,\tfrac{N}{N-1}\sigma_B^2

    Evaluation mode uses :math:`\bar\mu, \bar\sigma^2` instead, so a single example is processed
    the same way whatever batch it is in. Backward in training mode (with :math:`\hat G = G\gamma`):

    .. math:: \frac{\partial L}{\partial x} = \frac{1}{N\sqrt{\sigma_B^2+\epsilon}}
              \left(N\hat G - \textstyle\sum_n \hat G_n - \hat x \sum_n \hat G_n \hat x_n\right)

    Attributes: ``weight`` (:math:`\gamma`, ones) and ``bias`` (:math:`\beta`, zeros) are
    Parameters of shape (num_features,); ``running_mean`` (zeros) and ``running_var`` (ones) are
    plain arrays.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=np.float64):
        self.num_features = positive_int(num_features, "num_features")
        self.eps = positive(eps, "eps")
        self.momentum = in_unit_interval(momentum, "momentum", include_high=True)
        self.dtype = check_float_dtype(dtype)
        self.weight = Parameter(np.ones(self.num_features, dtype=self.dtype))
        self.bias = Parameter(np.zeros(self.num_features, dtype=self.dtype))
        self.running_mean = np.zeros(self.num_features, dtype=self.dtype)
        self.running_var = np.ones(self.num_features, dtype=self.dtype)
        self._cache = None

    def forward(self, x):
        # The input checks of Linear.forward, written out again: the book prints each layer whole.
        x = float_array(x, "x")
        check_ndim(x, "x", 2, "(batch, num_features)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}) expects x of shape (batch, "
                f"{self.num_features}), got {x.shape}"
            )
        check_dtype_matches(x, "x", self.dtype, "BatchNorm1d")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(
                    f"BatchNorm1d in training mode needs a batch of at least 2 to estimate a "
                    f"variance, got a batch of {n}; call .eval() to use the running statistics"
                )
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

    def backward(self, grad_out):
        expected = None if self._cache is None else self._cache[0].shape
        grad_out = _check_grad(self, grad_out, expected)
        x_hat, inv_std, was_training = self._cache
        self.weight.grad += np.sum(grad_out * x_hat, axis=0)
        self.bias.grad += np.sum(grad_out, axis=0)
        grad_x_hat = grad_out * self.weight.data
        if not was_training:
            return grad_x_hat * inv_std
        n = grad_out.shape[0]
        return (inv_std / n) * (
            n * grad_x_hat
            - grad_x_hat.sum(axis=0)
            - x_hat * np.sum(grad_x_hat * x_hat, axis=0)
        )

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class Residual(Module):
    r"""A skip connection around ``block``: :math:`y = x + F(x)`.

    Backward: :math:`\partial L/\partial x = G + F'(x)^\top G`, so the gradient always has a path
    that no layer can shrink, which is why very deep residual networks still train. ``block``
    must keep the shape of its input.
    """

    def __init__(self, block: Module):
        if not isinstance(block, Module):
            raise TypeError(f"Residual takes a Module, got {type(block).__name__}")
        self.block = block
        self._shape = None

    def forward(self, x):
        x = float_array(x, "x")
        out = self.block(x)
        if out.shape != x.shape:
            raise ValueError(
                f"Residual: the block must keep its input's shape {x.shape}, but it returned "
                f"{out.shape}"
            )
        self._shape = x.shape
        return x + out

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out, self._shape)
        return grad_out + self.block.backward(grad_out)


class DenseBlock(Module):
    r"""DenseNet-style block: each layer sees the concatenation of everything before it.

    With input :math:`x` and layers :math:`H_1 \dots H_k`:
    :math:`h_i = H_i([x, h_1, \dots, h_{i-1}])`, and the output is
    :math:`[x, h_1, \dots, h_k]` concatenated along features (torchvision's order). If ``x``
    has ``d`` features and each layer outputs ``g`` (the growth rate), layer ``i`` must accept
    ``d + (i-1) g`` features and the block outputs ``d + k g``.

    Backward splits the output gradient into its pieces and walks the layers in reverse; each
    layer's input gradient is split again and added to the pieces it read, since every feature
    map is reused by all later layers.

    Shapes: ``x`` (N, d) -> (N, d + k g), or, for convolutional layers, images ``(N, C, H, W)``
    -> (N, C + k g, H, W): features are joined along axis 1 (DenseNet's channels), and each
    layer must keep every other axis.
    """

    def __init__(self, *layers: Module):
        if not layers:
            raise ValueError("DenseBlock needs at least one layer")
        for index, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"DenseBlock takes Modules, got {type(layer).__name__} at position {index}"
                )
        self.layers = list(layers)
        self._widths = None

    def forward(self, x):
        x = float_array(x, "x")
        if x.ndim < 2:
            check_ndim(x, "x", 2, "(batch, features) or (batch, channels, ...)")
        features = [x]
        for layer in self.layers:
            h = layer(np.concatenate(features, axis=1))
            if h.ndim != x.ndim or h.shape[0] != x.shape[0] or h.shape[2:] != x.shape[2:]:
                wanted = ", ".join(["batch", "growth", *map(str, x.shape[2:])])
                raise ValueError(
                    f"DenseBlock: each layer must return ({wanted}), got {h.shape}"
                )
            features.append(h)
        self._widths = [f.shape[1] for f in features]
        return np.concatenate(features, axis=1)

    def backward(self, grad_out):
        if self._widths is None:
            raise RuntimeError("DenseBlock.backward called before forward")
        grad_out = float_array(grad_out, "grad_out")
        if grad_out.ndim < 2 or grad_out.shape[1] != sum(self._widths):
            raise ValueError(
                f"DenseBlock.backward: grad_out must have {sum(self._widths)} features (axis 1), "
                f"got shape {grad_out.shape}"
            )
        bounds = np.cumsum(self._widths)[:-1]
        piece_grads = [g.copy() for g in np.split(grad_out, bounds, axis=1)]
        for i in range(len(self.layers) - 1, -1, -1):
            grad_input = self.layers[i].backward(piece_grads[i + 1])
            for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                piece_grads[j] += g
        return piece_grads[0]


# The architecture layers live in their own modules, which build on Linear and _check_grad
# above; they are imported here, at the end, so that every layer is importable from nnlib.layers.
from nnlib.attention import LayerNorm, MultiHeadAttention  # noqa: E402
from nnlib.conv import Conv2d, Flatten, MaxPool2d  # noqa: E402

__all__ = [
    "Parameter", "Module", "Sequential", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU",
    "GELU", "SiLU", "Softmax", "Dropout", "BatchNorm1d", "Residual", "DenseBlock",
    "LayerNorm", "MultiHeadAttention", "Conv2d", "MaxPool2d", "Flatten",
]
