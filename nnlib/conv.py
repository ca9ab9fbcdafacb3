r"""Convolutional layers: Conv2d, MaxPool2d and Flatten, on images ``(N, C, H, W)``.

Both image layers look at every ``kh x kw`` window of the input. They get all windows at once
as a view, :func:`numpy.lib.stride_tricks.sliding_window_view` (im2col without copying), so no
Python loop runs over pixels; their backward passes add each window's gradient back into the
input with one loop over the ``kh * kw`` kernel offsets (col2im). All names are importable from
:mod:`nnlib.layers`, like every layer.
"""
from __future__ import annotations

import numbers

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnlib._validate import (
    check_dtype_matches,
    check_float_dtype,
    check_ndim,
    float_array,
    generator,
    int_in_range,
    positive_int,
)
from nnlib.init import INITIALIZERS
from nnlib.layers import _check_grad
from nnlib.module import Module, Parameter


def _pair(value, name, low=1):
    """An int or an (h, w) pair of ints >= ``low``, as a tuple (h, w)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}")
    return tuple(int_in_range(v, name, low) for v in value)


def _windows(x, kernel, stride):
    """Every ``kernel`` window of ``x`` (N, C, H, W), ``stride`` apart: a view of shape
    (N, C, H_out, W_out, kh, kw)."""
    return sliding_window_view(x, kernel, axis=(2, 3))[:, :, ::stride[0], ::stride[1]]


def _output_size(layer, size, kernel, stride):
    """(H_out, W_out) for an input (after padding) of ``size``; an error if the kernel is larger."""
    if size[0] < kernel[0] or size[1] < kernel[1]:
        raise ValueError(
            f"{layer}: the kernel {kernel} is larger than the (padded) input {size}"
        )
    return tuple((s - k) // st + 1 for s, k, st in zip(size, kernel, stride))


def _add_windows_back(grad_windows, input_shape, stride):
    """col2im: the input gradient (``input_shape``) of the windows whose gradients are
    ``grad_windows`` (N, C, H_out, W_out, kh, kw); overlapping windows add up."""
    _, _, h_out, w_out, kh, kw = grad_windows.shape
    sh, sw = stride
    grad = np.zeros(input_shape, dtype=grad_windows.dtype)
    for i in range(kh):
        for j in range(kw):
            grad[:, :, i:i + sh * h_out:sh, j:j + sw * w_out:sw] += grad_windows[..., i, j]
    return grad


class Conv2d(Module):
    r"""2-D convolution (cross-correlation, as in every deep-learning library) over images.

    Each output channel :math:`o` at position :math:`(p, q)` is a weighted sum over one window of
    the (zero-padded) input:

    .. math:: Y_{n,o,p,q} = b_o + \sum_{c,i,j} W_{o,c,i,j}\, X_{n,c,\,s_h p + i,\,s_w q + j}

    With the windows laid out as rows (im2col) this is one matrix product, the Linear layer's
    :math:`Y = XW + b` again. Backward, with :math:`G = \partial L/\partial Y`:

    .. math:: \frac{\partial L}{\partial W_{o,c,i,j}} = \sum_{n,p,q} G_{n,o,p,q}\,
              X_{n,c,\,s_h p+i,\,s_w q+j}, \qquad
              \frac{\partial L}{\partial b_o} = \sum_{n,p,q} G_{n,o,p,q}

    and :math:`\partial L/\partial X` adds :math:`\sum_o G_{n,o,p,q} W_{o,c,i,j}` into every input
    pixel that window :math:`(p, q)` read (col2im), then drops the padding.

    Shapes: ``x`` (N, C_in, H, W) -> (N, C_out, H_out, W_out) with
    :math:`H_{out} = \lfloor (H + 2 p_h - k_h)/s_h \rfloor + 1` (and likewise W). ``weight``
    (C_out, C_in, kh, kw), PyTorch's layout (a kernel has no left-to-right reading);
    ``bias`` (C_out,), zeros.

    Args:
        kernel_size, stride, padding: an int or an (h, w) pair; padding is zeros on every side.
        init: as :class:`nnlib.layers.Linear`'s, with fan-in ``C_in * kh * kw`` and fan-out
            ``C_out * kh * kw``.
        rng: a ``np.random.Generator`` for the initial weights (None: unseeded).
        dtype: np.float64 (default) or np.float32; inputs must have the same dtype.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 init="he", rng=None, dtype=np.float64):
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.padding = _pair(padding, "padding", low=0)
        if init not in INITIALIZERS:
            raise ValueError(f"init must be one of {sorted(INITIALIZERS)}, got {init!r}")
        self.dtype = check_float_dtype(dtype)
        kh, kw = self.kernel_size
        # PyTorch's fans for a kernel: C_in*kh*kw in, C_out*kh*kw out. The initializers draw a
        # (fan_in, fan_out) matrix whose scale depends only on the fans; keep C_out columns.
        flat = INITIALIZERS[init](self.in_channels * kh * kw, self.out_channels * kh * kw,
                                  generator(rng), self.dtype)[:, :self.out_channels]
        self.weight = Parameter(
            np.ascontiguousarray(flat.T.reshape(self.out_channels, self.in_channels, kh, kw)))
        self.bias = Parameter(np.zeros(self.out_channels, dtype=self.dtype)) if bias else None
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        check_ndim(x, "x", 4, "(batch, channels, height, width)")
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d({self.in_channels}, {self.out_channels}) expects x of shape "
                f"(batch, {self.in_channels}, height, width), got {x.shape}"
            )
        check_dtype_matches(x, "x", self.dtype, "Conv2d")
        ph, pw = self.padding
        padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        _output_size("Conv2d", padded.shape[2:], self.kernel_size, self.stride)
        windows = _windows(padded, self.kernel_size, self.stride)  # (N, C, H_out, W_out, kh, kw)
        self._cache = (windows, padded.shape)
        out = np.tensordot(windows, self.weight.data, axes=([1, 4, 5], [1, 2, 3]))
        if self.bias is not None:
            out += self.bias.data  # out is (N, H_out, W_out, C_out) here
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2))

    def backward(self, grad_out):
        expected = None
        if self._cache is not None:
            n, _, h_out, w_out = self._cache[0].shape[:4]
            expected = (n, self.out_channels, h_out, w_out)
        grad_out = _check_grad(self, grad_out, expected)
        windows, padded_shape = self._cache
        self.weight.grad += np.tensordot(grad_out, windows, axes=([0, 2, 3], [0, 2, 3]))
        if self.bias is not None:
            self.bias.grad += grad_out.sum(axis=(0, 2, 3))
        if not self.needs_input_grad:  # x is the data: skip the input gradient
            return None
        # (N, H_out, W_out, C, kh, kw) -> (N, C, H_out, W_out, kh, kw)
        grad_windows = np.tensordot(grad_out, self.weight.data, axes=([1], [0]))
        grad_padded = _add_windows_back(grad_windows.transpose(0, 3, 1, 2, 4, 5), padded_shape,
                                        self.stride)
        ph, pw = self.padding
        return grad_padded[:, :, ph:padded_shape[2] - ph, pw:padded_shape[3] - pw]

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}")


class MaxPool2d(Module):
    r"""Max pooling: each output is the largest value of one ``kernel_size`` window per channel.

    .. math:: Y_{n,c,p,q} = \max_{i,j} X_{n,c,\,s_h p + i,\,s_w q + j}

    Backward sends each window's gradient to the position of its maximum and nothing to the rest
    (a sub-gradient); where several entries tie for the maximum, to the first in row-major order,
    as PyTorch does. Overlapping windows (stride < kernel) add up.

    Shapes: ``x`` (N, C, H, W) -> (N, C, H_out, W_out), :math:`H_{out} = \lfloor (H - k_h)/s_h
    \rfloor + 1`. ``stride`` defaults to ``kernel_size`` (windows side by side). No parameters.
    """

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride")
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        check_ndim(x, "x", 4, "(batch, channels, height, width)")
        h_out, w_out = _output_size("MaxPool2d", x.shape[2:], self.kernel_size, self.stride)
        windows = _windows(x, self.kernel_size, self.stride)
        flat = windows.reshape(*windows.shape[:4], -1)  # (N, C, H_out, W_out, kh * kw)
        argmax = flat.argmax(axis=-1)  # the first maximum, as PyTorch
        self._cache = (argmax, x.shape)
        return np.take_along_axis(flat, argmax[..., None], axis=-1)[..., 0]

    def backward(self, grad_out):
        grad_out = _check_grad(self, grad_out,
                               None if self._cache is None else self._cache[0].shape)
        argmax, input_shape = self._cache
        kh, kw = self.kernel_size
        # Window gradients: grad_out at each window's argmax, zero elsewhere.
        grad_windows = np.zeros(argmax.shape + (kh * kw,), dtype=grad_out.dtype)
        np.put_along_axis(grad_windows, argmax[..., None], grad_out[..., None], axis=-1)
        return _add_windows_back(grad_windows.reshape(argmax.shape + (kh, kw)), input_shape,
                                 self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class Flatten(Module):
    r"""Reshape each example to one row: (N, ...) -> (N, prod(...)), e.g. between a CNN's last
    pooling layer and a Linear. Backward reshapes the gradient back."""

    def __init__(self):
        self._shape = None

    def forward(self, x):
        x = float_array(x, "x")
        if x.ndim < 1:
            raise ValueError(f"x must have shape (batch, ...), got shape {x.shape}")
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out):
        expected = None if self._shape is None else (self._shape[0],
                                                     int(np.prod(self._shape[1:])))
        grad_out = _check_grad(self, grad_out, expected)
        return grad_out.reshape(self._shape)


__all__ = ["Conv2d", "MaxPool2d", "Flatten"]
