"""Known mistakes in the architectures assignment."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "architectures"

MISTAKES = [
    mistake(
        "residual-backward-drops-skip", A, "Residual",
        "Returns only the block's input gradient, forgetting the gradient that flows through the "
        "skip connection.",
        "Your input gradient is missing the skip path: y = x + F(x), so dL/dx = grad_out + "
        "F'(x)^T grad_out. Add grad_out to what block.backward returns; that identity path is "
        "why deep residual networks still get gradients.",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                return x + self.block.forward(x)

            def backward(self, grad_out):
                return self.block.backward(grad_out)
        """,
        fails=("backward",),
    ),
    mistake(
        "residual-backward-skip-only", A, "Residual",
        "Returns grad_out without backpropagating through the block, whose parameters get no "
        "gradient.",
        "Your block's parameters get no gradient and the input gradient lacks the block's path: "
        "call self.block.backward(grad_out) (it fills the block's .grad) and return "
        "grad_out + its result.",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                return x + self.block.forward(x)

            def backward(self, grad_out):
                return grad_out.copy()
        """,
        fails=("backward",),
    ),
    mistake(
        "residual-forward-without-skip", A, "Residual",
        "Returns F(x) only: a plain block, not a residual one.",
        "Your output is F(x) alone: a residual block adds its input back, y = x + F(x).",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                return self.block.forward(x)

            def backward(self, grad_out):
                return self.block.backward(grad_out)
        """,
        fails=("forward", "backward"),
    ),
    mistake(
        "dense-block-input-last", A, "DenseBlock",
        "Puts the block's input after the new features in the output, [h1, ..., hk, x], instead "
        "of torchvision's [x, h1, ..., hk].",
        "Your output has the right pieces in the wrong order: the block outputs "
        "[x, h1, ..., hk] (the input first, then each layer's features in order), the same "
        "order every layer reads its input in.",
        """
        import numpy as np

        class DenseBlock:
            def __init__(self, *layers):
                self.layers = list(layers)

            def forward(self, x):
                features = [x]
                for layer in self.layers:
                    features.append(layer.forward(np.concatenate(features, axis=1)))
                self.widths = [f.shape[1] for f in features]
                return np.concatenate(features[1:] + features[:1], axis=1)

            def backward(self, grad_out):
                d = self.widths[0]
                reordered = np.concatenate([grad_out[:, -d:], grad_out[:, :-d]], axis=1)
                bounds = np.cumsum(self.widths)[:-1]
                pieces = [g.copy() for g in np.split(reordered, bounds, axis=1)]
                for i in range(len(self.layers) - 1, -1, -1):
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] += g
                return pieces[0]
        """,
        fails=("forward", "backward"),
    ),
    mistake(
        "dense-block-backward-no-accumulation", A, "DenseBlock",
        "Gives each feature group only its own slice of the output gradient, ignoring the "
        "gradients from the later layers that read it.",
        "Your input gradient misses the later layers' contributions: every layer reads x and "
        "all earlier features, so split each layer's input gradient again and add the pieces "
        "into the gradients of x, h1, ... (walking the layers from last to first).",
        """
        import numpy as np

        class DenseBlock:
            def __init__(self, *layers):
                self.layers = list(layers)

            def forward(self, x):
                features = [x]
                for layer in self.layers:
                    features.append(layer.forward(np.concatenate(features, axis=1)))
                self.widths = [f.shape[1] for f in features]
                return np.concatenate(features, axis=1)

            def backward(self, grad_out):
                bounds = np.cumsum(self.widths)[:-1]
                pieces = np.split(grad_out, bounds, axis=1)
                for i in range(len(self.layers) - 1, -1, -1):
                    self.layers[i].backward(pieces[i + 1])
                return pieces[0]
        """,
        fails=("backward",),
    ),
    mistake(
        "dense-widths-forget-input", A, "dense_block_widths",
        "Leaves the block's input out of the count: layer l reads (l - 1) g features and the "
        "block outputs k g.",
        "Your widths are too small by in_features: every layer also reads the block's input "
        "x, so layer l reads in_features + (l - 1) * growth_rate features and the block outputs "
        "in_features + num_layers * growth_rate.",
        """
        def dense_block_widths(in_features, growth_rate, num_layers):
            inputs = [in_features] + [l * growth_rate for l in range(1, num_layers)]
            return inputs, num_layers * growth_rate
        """,
        fails=("widths",),
    ),
    mistake(
        "attention-no-scaling", A, "attention",
        "Uses the raw dot products Q K^T as scores, without dividing by sqrt(d).",
        "Your weights are too peaked: scale the scores by 1 / sqrt(d) (d = the queries' "
        "width), softmax(Q K^T / sqrt(d)), so that their variance does not grow with d.",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            scores = scores - scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights = weights / weights.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask"),
    ),
    mistake(
        "attention-softmax-over-queries", A, "attention",
        "Normalizes the weights over the queries (axis 0) instead of over the keys.",
        "Your weights' rows do not sum to 1: each query's weights are a distribution over the "
        "keys, so take the softmax along the last axis (one row per query).",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[1] ** 0.5
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            scores = scores - scores.max(axis=0, keepdims=True)
            weights = np.exp(scores)
            weights = weights / weights.sum(axis=0, keepdims=True)
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask"),
    ),
    mistake(
        "attention-mask-after-softmax", A, "attention",
        "Zeroes the masked weights after the softmax without renormalizing, so rows no longer "
        "sum to 1.",
        "Your masked rows do not sum to 1: apply the mask to the scores before the softmax "
        "(masked scores = -inf, so their weight is exactly 0 and the rest renormalize).",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[1] ** 0.5
            scores = scores - scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights = weights / weights.sum(axis=-1, keepdims=True)
            if mask is not None:
                weights = weights * mask
            return weights @ V, weights
        """,
        fails=("mask",),
    ),
]
