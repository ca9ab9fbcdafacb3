"""nnlib: neural networks from scratch, in numpy.

The reference library of the course *Neural Networks from Scratch*. Every chapter imports it,
every exercise is graded against it.

Conventions (used by every module):

- A batch is a 2-D array ``X`` of shape ``(N, features)``: one example per row. Sequences are
  ``(N, T, features)`` (Linear, LayerNorm and attention work on the last axis) and images are
  ``(N, channels, height, width)``, as in PyTorch.
- A Linear layer's weight is ``(in_features, out_features)``, so a layer computes
  ``Y = X @ W + b``, reading left to right. (Many texts write one example as a column vector,
  ``y = W x + b`` with ``W`` of shape (out, in); the two are transposes of each other.)
- float64 by default; pass ``dtype=np.float32`` to layers for float32. Arrays keep their dtype.
- Randomness comes only from an explicit ``rng = np.random.default_rng(seed)``.
- ``backward(grad_out)`` returns the gradient with respect to the input and *adds* parameter
  gradients into ``.grad``; call ``zero_grad()`` before each backward pass. (``fit`` sets the
  model's ``needs_input_grad`` to False while it trains: the data needs no gradient, so the first
  Linear layer skips computing one and returns None.)
- Semantics follow PyTorch (dropout's ``p`` is the drop probability; batch norm's momentum
  weights the new statistic; Adam's weight decay is L2, AdamW's is decoupled).
"""
from nnlib import (  # noqa: F401  (the submodules are the public interface)
    activations,
    augment,
    data,
    examples,
    gradcheck,
    init,
    layers,
    losses,
    metrics,
    optim,
    regularization,
    train,
)

__version__ = "0.1.0"
