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
        "Returns F(x) only in the forward pass: a plain block, not a residual one (its backward "
        "pass is right).",
        "Your output is F(x) alone: a residual block adds its input back, y = x + F(x).",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                return self.block.forward(x)

            def backward(self, grad_out):
                return grad_out + self.block.backward(grad_out)
        """,
        fails=("forward",),
    ),
    mistake(
        "residual-forward-adds-into-x", A, "Residual",
        "Adds F(x) into x in place (x += F(x)) and returns x, changing the caller's array.",
        "Your output has the right values, but x += self.block.forward(x) wrote the sum into "
        "the caller's array x. Make a new array instead: return x + self.block.forward(x).",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                x += self.block.forward(x)
                return x

            def backward(self, grad_out):
                return grad_out + self.block.backward(grad_out)
        """,
        fails=("forward", "backward"),
        shows=("in-place",),
    ),
    mistake(
        "residual-backward-adds-into-grad-out", A, "Residual",
        "Adds the block's input gradient into grad_out in place and returns grad_out, changing "
        "the caller's array.",
        "The gradient you return has the right values, but grad_out += ... wrote it into the "
        "caller's array grad_out. Make a new array instead: return grad_out + "
        "self.block.backward(grad_out).",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                return x + self.block.forward(x)

            def backward(self, grad_out):
                grad_out += self.block.backward(grad_out)
                return grad_out
        """,
        fails=("backward",),
        shows=("in-place",),
    ),
    mistake(
        "residual-backward-calls-block-twice", A, "Residual",
        "Calls self.block.backward twice (once to fill the gradients, once for its result), so "
        "the block's parameter gradients are counted twice.",
        "Your block's parameter gradients are twice nnlib's: every call of "
        "self.block.backward(grad_out) adds into the parameters' .grad, so calling it twice "
        "counts them twice. Call it once and use what it returns: return grad_out + "
        "self.block.backward(grad_out).",
        """
        class Residual:
            def __init__(self, block):
                self.block = block

            def forward(self, x):
                return x + self.block.forward(x)

            def backward(self, grad_out):
                self.block.backward(grad_out)
                return grad_out + self.block.backward(grad_out)
        """,
        fails=("backward",),
        shows=("constant-factor",),
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
        "dense-block-backward-writes-into-grad-out", A, "DenseBlock",
        "Adds the later layers' gradients into the pieces of np.split(grad_out, ...), which are "
        "views of grad_out, so the caller's grad_out changes.",
        "Your gradients are right, but the caller's grad_out changed: np.split returns views of "
        "grad_out, so += on a piece writes into it. Copy the pieces first "
        "([g.copy() for g in np.split(...)]).",
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
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] += g
                return pieces[0]
        """,
        fails=("backward",),
        shows=("in-place",),
    ),
    mistake(
        "dense-block-backward-overwrites-group-gradients", A, "DenseBlock",
        "Assigns each layer's input gradient to the groups' gradients (pieces[j] = g) instead of "
        "adding it, dropping what grad_out and the later layers gave them.",
        "Your input gradient keeps only one layer's part: pieces[j] = g replaces the gradient "
        "the group already has (its slice of grad_out and the later layers' parts). Every "
        "layer that read a group adds to its gradient: pieces[j] += g.",
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
                pieces = [g.copy() for g in np.split(grad_out, bounds, axis=1)]
                for i in range(len(self.layers) - 1, -1, -1):
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] = g
                return pieces[0]
        """,
        fails=("backward",),
    ),
    mistake(
        "dense-block-backward-first-to-last", A, "DenseBlock",
        "Walks the layers from first to last in the backward pass, so each layer backpropagates "
        "its group's gradient before the later layers have added into it.",
        "Your gradients are wrong as soon as the block has two layers: walking the layers from "
        "first to last, a layer runs its backward before the later layers (which read its "
        "output) have added their parts into its group's gradient. Walk from the last layer to "
        "the first: for i in range(len(self.layers) - 1, -1, -1).",
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
                pieces = [g.copy() for g in np.split(grad_out, bounds, axis=1)]
                for i in range(len(self.layers)):
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] += g
                return pieces[0]
        """,
        fails=("backward",),
    ),
    mistake(
        "dense-block-output-without-input", A, "DenseBlock",
        "Outputs only the new features [h1, ..., hk], leaving the block's input out of the "
        "concatenation.",
        "Your output is missing the block's input: a dense block outputs [x, h1, ..., hk], x "
        "first and then every layer's new features. Concatenate the whole list that starts "
        "with x, np.concatenate([x, h1, ..., hk], axis=1), not only the layers' outputs.",
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
                return np.concatenate(features[1:], axis=1)

            def backward(self, grad_out):
                bounds = np.cumsum(self.widths)[:-1]
                pieces = [g.copy() for g in np.split(grad_out, bounds, axis=1)]
                for i in range(len(self.layers) - 1, -1, -1):
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] += g
                return pieces[0]
        """,
        fails=("forward", "backward"),
    ),
    mistake(
        "dense-block-new-features-first", A, "DenseBlock",
        "Puts each layer's new features before the old ones (features.insert(0, h), or "
        "np.concatenate([h, out])), so every layer reads [h_(l-1), ..., h1, x] and the block "
        "outputs [hk, ..., h1, x].",
        "Your output has the right pieces in reverse order, [hk, ..., h1, x]: you put each "
        "layer's new features before the old ones (features.insert(0, h) or np.concatenate([h, "
        "out])), so every layer also reads its input reversed. Add them after: "
        "features.append(h), so that each layer reads [x, h1, ..., h(l-1)] and the block outputs "
        "[x, h1, ..., hk].",
        """
        import numpy as np

        class DenseBlock:
            def __init__(self, *layers):
                self.layers = list(layers)

            def forward(self, x):
                features = [x]
                for layer in self.layers:
                    features.insert(0, layer.forward(np.concatenate(features, axis=1)))
                self.widths = [f.shape[1] for f in features]
                return np.concatenate(features, axis=1)

            def backward(self, grad_out):
                bounds = np.cumsum(self.widths)[:-1]
                pieces = [g.copy() for g in np.split(grad_out, bounds, axis=1)]
                for i in range(len(self.layers) - 1, -1, -1):
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] += g
                return pieces[0]
        """,
        fails=("forward", "backward",),
    ),
    mistake(
        "dense-block-output-last-layer-only", A, "DenseBlock",
        "Returns only the last layer's features hk instead of the concatenation [x, h1, ..., hk].",
        "Your output is only the last layer's growth_rate features: a dense block outputs the "
        "concatenation of its input and every layer's features, np.concatenate([x, h1, ..., hk], "
        "axis=1), in_features + num_layers * growth_rate wide.",
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
                return features[-1]

            def backward(self, grad_out):
                bounds = np.cumsum(self.widths)[:-1]
                pieces = [g.copy() for g in np.split(grad_out, bounds, axis=1)]
                for i in range(len(self.layers) - 1, -1, -1):
                    grad_input = self.layers[i].backward(pieces[i + 1])
                    for j, g in enumerate(np.split(grad_input, bounds[:i], axis=1)):
                        pieces[j] += g
                return pieces[0]
        """,
        fails=("forward", "backward",),
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
        "dense-widths-output-one-growth-short", A, "dense_block_widths",
        "Counts num_layers - 1 growths in the output width (the last layer's input width).",
        "Your output width is one growth_rate short: it is the last layer's input width, but "
        "the last layer then adds growth_rate features of its own. The block outputs "
        "in_features + num_layers * growth_rate.",
        """
        def dense_block_widths(in_features, growth_rate, num_layers):
            input_widths = [in_features + l * growth_rate for l in range(num_layers)]
            return input_widths, in_features + (num_layers - 1) * growth_rate
        """,
        fails=("widths",),
        shows=("off-by-one",),  # one growth_rate too few
    ),
    mistake(
        "dense-widths-start-one-growth-late", A, "dense_block_widths",
        "Starts the input widths one growth too late: layer l reads in_features + l g for l = 1 "
        "to num_layers.",
        "Each of your input widths is one growth_rate too large: the first layer reads only the "
        "block's input, in_features features, and each later layer growth_rate more. Count "
        "the layers from 0: in_features + l * growth_rate for l in range(num_layers).",
        """
        def dense_block_widths(in_features, growth_rate, num_layers):
            input_widths = [in_features + l * growth_rate for l in range(1, num_layers + 1)]
            return input_widths, in_features + num_layers * growth_rate
        """,
        fails=("widths",),
        shows=("off-by-one",),  # the loop starts one step late
    ),
    mistake(
        "dense-widths-plain-stack", A, "dense_block_widths",
        "Has every layer after the first read only growth_rate features, as in a plain stack "
        "of layers.",
        "Your layers after the first read only the previous layer's growth_rate features, as "
        "in a plain stack: in a dense block each layer reads the block's input and the "
        "outputs of all earlier layers, concatenated, so the widths grow: in_features, "
        "in_features + growth_rate, in_features + 2 * growth_rate, ...",
        """
        def dense_block_widths(in_features, growth_rate, num_layers):
            input_widths = [in_features] + [growth_rate] * (num_layers - 1)
            return input_widths, in_features + num_layers * growth_rate
        """,
        fails=("widths",),
    ),
    mistake(
        "dense-widths-output-last-layer-only", A, "dense_block_widths",
        "Gives growth_rate, the last layer's output, as the block's output width.",
        "Your output width is the last layer's alone: a dense block outputs the concatenation "
        "[x, h1, ..., hk] of its input and every layer's features, in_features + num_layers * "
        "growth_rate.",
        """
        def dense_block_widths(in_features, growth_rate, num_layers):
            input_widths = [in_features + l * growth_rate for l in range(num_layers)]
            return input_widths, growth_rate
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
        shows=("nan-inf",),  # a fully masked column: 0 / 0
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
    mistake(
        "attention-mask-sets-scores-to-zero", A, "attention",
        "Sets the forbidden scores to 0 instead of -inf, so they still get weight.",
        "Your forbidden pairs still get weight: a score of 0 becomes exp(0) = 1 in the softmax. "
        "Set the scores where the mask is False to -np.inf before the softmax, so that their "
        "weight is exactly 0.",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[1] ** 0.5
            if mask is not None:
                scores = np.where(mask, scores, 0)
            scores = scores - scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights = weights / weights.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("mask",),
    ),
    mistake(
        "attention-scaled-by-d", A, "attention",
        "Divides the scores by d instead of sqrt(d).",
        "Your weights are too flat: the scores are divided by d, the queries' width, and "
        "should be divided by its square root, Q @ K.T / sqrt(d) (d ** 0.5 or math.sqrt(d)). "
        "The two agree only when d = 1.",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[1]
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask"),
    ),
    mistake(
        "attention-mask-inverted", A, "attention",
        "Sets the scores to -inf where the mask is True (the allowed pairs) instead of where it "
        "is False.",
        "Your weights are nonzero exactly where the mask forbids: here mask is True where a "
        "query MAY look at a key, so keep those scores and set the others to -inf: "
        "np.where(mask, scores, -np.inf). (A row whose keys are all allowed even comes out "
        "nan.)",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[1] ** 0.5
            if mask is not None:
                scores = np.where(mask, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("mask",),
        shows=("nan-inf",),  # a row with every key allowed: all -inf
    ),
    mistake(
        "attention-scaled-by-number-of-keys", A, "attention",
        "Divides the scores by the square root of the number of keys, K.shape[0], instead of the "
        "width d.",
        "Your scores are divided by sqrt(K.shape[0]), the square root of the number of keys: the "
        "scale is 1 / sqrt(d), d = Q.shape[1] (the width of the queries and keys), the number of "
        "terms in each dot product. It does not change with the number of keys.",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / K.shape[0] ** 0.5
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask",),
    ),
    mistake(
        "attention-scaled-by-number-of-queries", A, "attention",
        "Divides the scores by the square root of the number of queries, Q.shape[0] (len(Q)), "
        "instead of the width d.",
        "Your scores are divided by sqrt(Q.shape[0]) (or sqrt(len(Q))), the square root of the "
        "number of queries, the rows of Q: the scale is 1 / sqrt(d), d = Q.shape[1], the queries' "
        "width (their columns), the number of terms in each dot product.",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[0] ** 0.5
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask",),
    ),
    mistake(
        "attention-scaled-by-value-width", A, "attention",
        "Divides the scores by the square root of the values' width, V.shape[1], instead of the "
        "queries' and keys' width d.",
        "Your scores are divided by sqrt(V.shape[1]), the values' width: the scores Q K^T are dot "
        "products over d = Q.shape[1] features (the width of the queries and keys), so scale them "
        "by 1 / sqrt(d). The values' width plays no part in the scores.",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / V.shape[1] ** 0.5
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask",),
    ),
    mistake(
        "attention-softmax-over-whole-array", A, "attention",
        "Takes the softmax over the whole score matrix (max and sum without an axis) instead of "
        "over each row.",
        "Your weights sum to 1 over the whole matrix, not in each row: scores.max() and e.sum() "
        "without axis= reduce over every entry. Each query's weights are a distribution over the "
        "keys: take the max and the sum along the last axis (axis=-1, keepdims=True).",
        """
        import numpy as np

        def attention(Q, K, V, mask=None):
            scores = Q @ K.T / Q.shape[1] ** 0.5
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            e = np.exp(scores - scores.max())
            weights = e / e.sum()
            return weights @ V, weights
        """,
        fails=("weights", "output", "mask",),
    ),
    mistake(
        "layer-norm-unbiased-variance", A, "layer_norm_forward",
        "Uses the unbiased variance (divides by D - 1) instead of the biased one.",
        "Your variance divides by D - 1 (np.var or .std with ddof=1): layer norm, like batch "
        "norm and PyTorch, uses the biased variance, the mean of (x - mean)^2 over the D "
        "features.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=-1, keepdims=True)
            var = x.var(axis=-1, ddof=1, keepdims=True)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
    ),
    mistake(
        "layer-norm-eps-outside-root", A, "layer_norm_forward",
        "Adds eps to the standard deviation instead of to the variance: (x - mean) / (std + "
        "eps).",
        "eps belongs inside the square root: x_hat = (x - mean) / sqrt(var + eps). Outside it "
        "((x - mean) / (std + eps)) the result differs most where the variance is close to "
        "eps, as in the case of tiny values.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            x_hat = (x - mean) / (np.sqrt(var) + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
    ),
    mistake(
        "layer-norm-over-batch-axis", A, "layer_norm_forward",
        "Normalizes each feature over the batch (axis 0), as batch norm does.",
        "You normalized over the batch (axis 0), as batch norm does: layer norm normalizes "
        "each example on its own, over its D features (the last axis: axis=-1, "
        "keepdims=True), so its output does not depend on the rest of the batch (a batch of "
        "one is no special case).",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=0, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=0, keepdims=True)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
    ),
    mistake(
        "layer-norm-over-every-axis-but-the-batch", A, "layer_norm_forward",
        "On sequences (N, T, D) normalizes over all of (T, D) instead of each position's D "
        "features.",
        "On a batch of sequences (N, T, D) your statistics mix the positions: layer norm "
        "normalizes each position's D features on its own, over the last axis only (axis=-1, "
        "keepdims=True), not over all the axes after the batch.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            axes = tuple(range(1, x.ndim))
            mean = x.mean(axis=axes, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
        shows=("only-more-axes",),
    ),
    mistake(
        "layer-norm-gamma-beta-swapped", A, "layer_norm_forward",
        "Scales by beta and shifts by gamma.",
        "gamma and beta are swapped: gamma scales and beta shifts, out = gamma * x_hat + "
        "beta.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return beta * x_hat + gamma
        """,
        fails=("values",),
        shows=("arguments-swapped",),
    ),
    mistake(
        "layer-norm-no-scale-and-shift", A, "layer_norm_forward",
        "Returns x_hat, without the learned scale gamma and shift beta.",
        "Your output is the normalized x_hat alone: layer norm then applies its learned scale "
        "and shift, out = gamma * x_hat + beta.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return x_hat
        """,
        fails=("values",),
    ),
    mistake(
        "layer-norm-centers-input-in-place", A, "layer_norm_forward",
        "Subtracts the mean from x in place (x -= mean), changing the caller's array.",
        "Your output is right, but x -= mean wrote into the caller's array x: compute x - "
        "mean into a new array (centered = x - mean) and leave the input as it was.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=-1, keepdims=True)
            x -= mean
            var = (x ** 2).mean(axis=-1, keepdims=True)
            x_hat = x / np.sqrt(var + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
        shows=("in-place",),
    ),
    mistake(
        "layer-norm-axis-one", A, "layer_norm_forward",
        "Takes the mean and variance over axis=1, the features only for 2-D input: on sequences "
        "(N, T, D) it normalizes over the positions.",
        "On a batch of sequences (N, T, D) your statistics run over the positions T: axis=1 is "
        "the feature axis only for 2-D input. Use the last axis, axis=-1 (with keepdims=True), "
        "which is the features for any number of leading axes.",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=1, keepdims=True)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
        shows=("only-more-axes",),
    ),
    mistake(
        "layer-norm-no-square-root", A, "layer_norm_forward",
        "Divides by the variance, var + eps, instead of by its square root.",
        "You divided by the variance: x_hat = (x - mean) / sqrt(var + eps) divides by the "
        "standard deviation, so take the square root (np.sqrt(var + eps)).",
        """
        import numpy as np

        def layer_norm_forward(x, gamma, beta, eps=1e-5):
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            x_hat = (x - mean) / (var + eps)
            return gamma * x_hat + beta
        """,
        fails=("values",),
    ),
    mistake(
        "layer-norm-backward-mean-and-variance-constant", A, "layer_norm_backward",
        "Treats the mean and variance as constants: grad_x = grad_out * gamma / std.",
        "Your input gradient treats the mean and the variance as constants, but both depend "
        "on every x_i of the row: with g = grad_out * gamma, dL/dx = (1 / (D std)) (D g - "
        "sum(g) - x_hat sum(g x_hat)), the sums over the last axis.",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = g * inv_std
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "layer-norm-backward-forgets-gamma", A, "layer_norm_backward",
        "Backpropagates grad_out into x_hat without multiplying by gamma.",
        "Your input gradient is missing gamma: the output is gamma * x_hat + beta, so the "
        "gradient that reaches x_hat is grad_out * gamma (and only then flows through the "
        "normalization).",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out
            grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "layer-norm-backward-sums-over-batch", A, "layer_norm_backward",
        "Sums over the batch axis in the input gradient, as in batch norm's backward.",
        "The sums in your input gradient run over the batch (axis 0), as in batch norm: layer "
        "norm's statistics are per row, so sum over the D features of each row (axis=-1, "
        "keepdims=True).",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=0, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=0, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "layer-norm-backward-param-grads-over-batch-only", A, "layer_norm_backward",
        "Sums the gamma and beta gradients over axis 0 only, leaving a (T, D) array for "
        "sequences.",
        "On sequences (N, T, D) your gamma and beta gradients keep a time axis: gamma and "
        "beta are shared by every example and every position, so sum over every axis but the "
        "last (for example grad_out.reshape(-1, D).sum(axis=0)).",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).sum(axis=0)
            grad_beta = grad_out.sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("param_grads",),
        shows=("batch-axis-kept", "only-more-axes"),
    ),
    mistake(
        "layer-norm-backward-gamma-beta-grads-swapped", A, "layer_norm_backward",
        "Returns the gradient of beta as gamma's and the other way round.",
        "Your gamma and beta gradients are swapped: gamma multiplies x_hat, so dL/dgamma = "
        "sum of grad_out * x_hat; beta is added, so dL/dbeta = sum of grad_out.",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_beta, grad_gamma
        """,
        fails=("param_grads",),
        shows=("outputs-swapped",),
    ),
    mistake(
        "layer-norm-backward-gamma-grad-uses-x", A, "layer_norm_backward",
        "Computes gamma's gradient from the raw input x instead of the normalized x_hat.",
        "Your gamma gradient multiplies grad_out by the raw input x: gamma scales the "
        "normalized x_hat, so dL/dgamma is the sum of grad_out * x_hat over every row (all "
        "axes but the last).",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("param_grads",),
    ),
    mistake(
        "layer-norm-backward-divides-by-batch-size", A, "layer_norm_backward",
        "Uses the batch size N = x.shape[0] in the input gradient where layer norm has D, the "
        "number of features.",
        "Your input gradient uses N = x.shape[0], the batch size, as in batch norm: layer norm's "
        "mean and variance are over the D features of each row, so dL/dx = (1 / (D std)) (D g - "
        "sum(g) - x_hat sum(g x_hat)) with D = x.shape[-1] (g = grad_out * gamma, sums over the "
        "last axis).",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            n = x.shape[0]
            grad_x = inv_std / n * (n * g - g.sum(axis=-1, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "layer-norm-backward-batch-norm-axes", A, "layer_norm_backward",
        "Computes batch norm's backward pass: the mean, the variance and both sums over the batch "
        "(axis 0).",
        "Your backward pass is batch norm's: its mean, variance and sums run over the batch (axis "
        "0). Layer norm normalizes each row over its D features, so take the mean, the variance "
        "and both sums of the input gradient over the last axis (axis=-1, keepdims=True).",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=0, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=0, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=0, keepdims=True)
                                    - x_hat * (g * x_hat).sum(axis=0, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("param_grads", "grad_x",),
    ),
    mistake(
        "layer-norm-backward-no-variance-term", A, "layer_norm_backward",
        "Leaves the variance's term out of the input gradient: (1 / (D std)) (D g - sum(g)).",
        "Your input gradient misses the path through the variance, which also depends on every "
        "x_i of the row: with g = grad_out * gamma, dL/dx = (1 / (D std)) (D g - sum(g) - x_hat "
        "sum(g x_hat)), the sums over the last axis. Subtract the x_hat term too.",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "layer-norm-backward-no-mean-term", A, "layer_norm_backward",
        "Leaves the mean's term out of the input gradient: (1 / (D std)) (D g - x_hat sum(g "
        "x_hat)).",
        "Your input gradient misses the path through the mean, which also depends on every x_i of "
        "the row: with g = grad_out * gamma, dL/dx = (1 / (D std)) (D g - sum(g) - x_hat sum(g "
        "x_hat)), the sums over the last axis. Subtract sum(g) too.",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g
                                    - x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "layer-norm-backward-variance-term-added", A, "layer_norm_backward",
        "Adds the variance's term x_hat sum(g x_hat) in the input gradient instead of subtracting "
        "it.",
        "The x_hat term of your input gradient has the wrong sign: with g = grad_out * gamma, "
        "dL/dx = (1 / (D std)) (D g - sum(g) - x_hat sum(g x_hat)); both sums are subtracted.",
        """
        import numpy as np

        def layer_norm_backward(grad_out, x, gamma, eps=1e-5):
            d = x.shape[-1]
            mean = x.mean(axis=-1, keepdims=True)
            var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
            inv_std = 1 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            grad_gamma = (grad_out * x_hat).reshape(-1, d).sum(axis=0)
            grad_beta = grad_out.reshape(-1, d).sum(axis=0)
            g = grad_out * gamma
            grad_x = inv_std / d * (d * g - g.sum(axis=-1, keepdims=True)
                                    + x_hat * (g * x_hat).sum(axis=-1, keepdims=True))
            return grad_x, grad_gamma, grad_beta
        """,
        fails=("grad_x",),
    ),
    mistake(
        "mha-scale-by-model-width", A, "multi_head_attention",
        "Scales the scores by 1/sqrt(D) (the model's width) instead of 1/sqrt(d_k) (a head's "
        "width).",
        "Your scores are scaled by 1/sqrt(D), the model's width: each head's scores are dot "
        "products of d_k = D / num_heads features, so scale them by 1/sqrt(d_k) (the two "
        "agree only with a single head).",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("weights", "output", "causal",),
    ),
    mistake(
        "mha-no-scaling", A, "multi_head_attention",
        "Uses the raw dot products as scores, without dividing by sqrt(d_k).",
        "Your weights are too peaked: divide each head's scores by sqrt(d_k), d_k = D / "
        "num_heads, so that their variance does not grow with the width.",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2)
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("weights", "output", "causal",),
    ),
    mistake(
        "mha-mask-hides-diagonal", A, "multi_head_attention",
        "The causal mask also hides the diagonal (j >= i), so the first position attends to "
        "nothing.",
        "Your causal mask also hides the diagonal: position i may attend to itself and the "
        "past, j <= i, so hide only j > i (np.triu(..., k=1)). Hiding the diagonal leaves the "
        "first position nothing to attend to: a row of -inf gives nan.",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=0)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("causal",),
        shows=("nan-inf",),  # the first row is fully masked
    ),
    mistake(
        "mha-mask-hides-past", A, "multi_head_attention",
        "Hides the past (j < i) instead of the future.",
        "Your mask hides the past instead of the future: causal attention hides the positions "
        "j > i, above the diagonal (np.triu(np.ones((T, T), dtype=bool), k=1)), so that "
        "position i sees only itself and what came before.",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.tril(np.ones((t, t), dtype=bool), k=-1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("causal",),
    ),
    mistake(
        "mha-mask-sets-scores-to-zero", A, "multi_head_attention",
        "Sets the hidden scores to 0 instead of -inf, so they still get weight.",
        "Your hidden positions still get weight: a score of 0 becomes exp(0) = 1 in the "
        "softmax. Set the hidden scores to -np.inf before the softmax, so that their weight "
        "is exactly 0.",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, 0, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("causal",),
    ),
    mistake(
        "mha-mask-after-softmax", A, "multi_head_attention",
        "Zeroes the future's weights after the softmax without renormalizing.",
        "Your causal rows do not sum to 1: hide the future in the scores before the softmax "
        "(scores = -inf there), not by zeroing weights afterwards, which leaves the rest "
        "unnormalized.",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            if causal:
                weights = np.where(future, 0, weights)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("causal",),
    ),
    mistake(
        "mha-softmax-over-queries", A, "multi_head_attention",
        "Takes the softmax over the queries (axis -2) instead of over the keys.",
        "Your weights' rows do not sum to 1: each query's weights are a distribution over the "
        "keys, so take the softmax along the last axis (max and sum with axis=-1, "
        "keepdims=True).",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-2, keepdims=True))
            weights = e / e.sum(axis=-2, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("weights", "output", "causal",),
    ),
    mistake(
        "mha-softmax-over-whole-array", A, "multi_head_attention",
        "Takes the softmax over the whole array of scores (max and sum without an axis), every "
        "example, head and query together.",
        "Your weights sum to 1 over the whole array (every example, head and query together), not "
        "in each row: scores.max() and e.sum() without axis= reduce over every entry. Each "
        "query's weights are a distribution over the keys: take the max and the sum along the "
        "last axis (axis=-1, keepdims=True).",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max())
            weights = e / e.sum()
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("weights", "output", "causal",),
    ),
    mistake(
        "mha-heads-split-without-transpose", A, "multi_head_attention",
        "Splits (N, T, D) into heads with a plain reshape to (N, H, T, d_k), and merges them "
        "back the same way, instead of reshaping to (N, T, H, d_k) and transposing.",
        "Your heads mix positions: a plain reshape of (N, T, D) to (N, H, T, d_k) cuts the "
        "rows in the wrong places. Reshape to (N, T, H, d_k), then transpose to (N, H, T, "
        "d_k); to merge, transpose back to (N, T, H, d_k) before reshaping to (N, T, D).",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, num_heads, t, d_k)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("weights", "output", "causal",),
    ),
    mistake(
        "mha-heads-merged-without-transpose", A, "multi_head_attention",
        "Merges the heads (N, H, T, d_k) back to (N, T, D) with a plain reshape, without "
        "transposing.",
        "Your weights are right but the output is not: to merge the heads, transpose (N, H, "
        "T, d_k) back to (N, T, H, d_k) first and then reshape to (N, T, D); a plain reshape "
        "puts one head's positions side by side.",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).reshape(n, t, d)
            return heads @ W_o, weights
        """,
        fails=("output", "causal",),
    ),
    mistake(
        "mha-no-output-projection", A, "multi_head_attention",
        "Returns the concatenated heads without the output projection W_o.",
        "Your weights are right but the output is not projected: after concatenating the "
        "heads, multiply by W_o (output = heads @ W_o).",
        """
        import numpy as np

        def multi_head_attention(x, W_q, W_k, W_v, W_o, num_heads, causal=False):
            n, t, d = x.shape
            d_k = d // num_heads

            def split_heads(a):  # (N, T, D) -> (N, H, T, d_k)
                return a.reshape(n, t, num_heads, d_k).transpose(0, 2, 1, 3)

            q, k, v = split_heads(x @ W_q), split_heads(x @ W_k), split_heads(x @ W_v)
            scores = q @ k.transpose(0, 1, 3, 2) / d_k ** 0.5
            if causal:
                future = np.triu(np.ones((t, t), dtype=bool), k=1)
                scores = np.where(future, -np.inf, scores)
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            weights = e / e.sum(axis=-1, keepdims=True)
            heads = (weights @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            return heads, weights
        """,
        fails=("output", "causal",),
    ),
    mistake(
        "conv-kernel-flipped", A, "conv2d_forward",
        "Flips the kernel (a true convolution) instead of PyTorch's cross-correlation.",
        "Your output is the true convolution, with the kernel flipped: deep-learning "
        "libraries (PyTorch, nnlib) compute the cross-correlation Y[n, o, p, q] = b[o] + sum "
        "over c, i, j of W[o, c, i, j] X[n, c, s p + i, s q + j], the kernel not flipped.",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s + 1
            w_out = (w + 2 * p - kw) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    flipped = weight[:, :, kh - 1 - i, kw - 1 - j]
                    out += np.einsum("nchw,oc->nohw", patch, flipped)
            return out + bias[:, None, None]
        """,
        fails=("values", "stride_padding",),
    ),
    mistake(
        "conv-stride-ignored", A, "conv2d_forward",
        "Ignores the stride: the output size and the windows are those of stride 1.",
        "Your output is as large as with stride 1: with stride s the windows start s pixels "
        "apart, so H_out = floor((H + 2p - kh) / s) + 1 (likewise W_out), and output row r "
        "reads the input rows s r + i.",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = h + 2 * p - kh + 1
            w_out = w + 2 * p - kw + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + h_out, j:j + w_out]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("stride_padding",),
        shows=("argument-ignored",),
    ),
    mistake(
        "conv-padding-ignored", A, "conv2d_forward",
        "Does not pad the input: the output is 2 * padding rows and columns too small.",
        "Your output is too small by 2 * padding in height and width: pad x with `padding` "
        "zeros on every side of H and W before sliding the kernel (np.pad(x, ((0, 0), (0, 0), "
        "(p, p), (p, p)))), and count the padding in the output size.",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h - kh) // s + 1
            w_out = (w - kw) // s + 1
            xp = x
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("stride_padding",),
        shows=("argument-ignored",),
    ),
    mistake(
        "conv-padding-before-only", A, "conv2d_forward",
        "Pads only before the image, np.pad with (p, 0) for the height and the width, while the "
        "output size counts p zeros on both sides.",
        "With padding your code fails on a shape mismatch (operands could not be broadcast): "
        "np.pad with (p, 0) adds p zeros before the image only, so the padded image is p rows and "
        "p columns short of the H + 2p by W + 2p that your output size counts. Pad both sides: "
        "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))).",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s + 1
            w_out = (w + 2 * p - kw) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, 0), (p, 0)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("stride_padding",),
    ),
    mistake(
        "conv-output-size-off-by-one", A, "conv2d_forward",
        "Computes the output size as (H + 2p - kh) // s, one short.",
        "Your output is one row and one column short: count the window positions that fit, "
        "H_out = floor((H + 2p - kh) / s) + 1 (a kernel as large as the image fits once, not "
        "zero times).",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s
            w_out = (w + 2 * p - kw) // s
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("values", "stride_padding",),
    ),
    mistake(
        "conv-bias-on-last-axis", A, "conv2d_forward",
        "Adds the bias along the last axis (the width) instead of the channel axis.",
        "The bias has one value per output channel, axis 1 of (N, O, H_out, W_out): add "
        "bias[:, None, None] (or bias.reshape(1, -1, 1, 1)); a plain + bias lines it up with "
        "the last axis, the width.",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s + 1
            w_out = (w + 2 * p - kw) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias
        """,
        fails=("values", "stride_padding",),
    ),
    mistake(
        "conv-output-size-true-division", A, "conv2d_forward",
        "Computes the output size with true division, (H + 2p - kh) / s + 1, a float that "
        "np.zeros refuses.",
        "Your output size is a float (TypeError: 'float' object cannot be interpreted as an "
        "integer): in Python 3, / always gives a float, even for 6 / 2. Count the window "
        "positions with floor division: H_out = (H + 2p - kh) // s + 1 (likewise W_out).",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) / s + 1
            w_out = (w + 2 * p - kw) / s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("values", "stride_padding",),
    ),
    mistake(
        "conv-output-size-one-added-before-stride", A, "conv2d_forward",
        "Adds the 1 before dividing by the stride, H_out = (H + 2p - kh + 1) // s, right only for "
        "stride 1.",
        "With a stride your output is one row or column short on some cases: (H + 2p - kh + 1) // "
        "s agrees with the right size only when s = 1. The windows start at rows 0, s, 2s, ... up "
        "to H + 2p - kh, so H_out = (H + 2p - kh) // s + 1: divide first, then add the 1.",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh + 1) // s
            w_out = (w + 2 * p - kw + 1) // s
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("stride_padding",),
    ),
    mistake(
        "conv-padding-after-only", A, "conv2d_forward",
        "Puts all the padding after the image, np.pad with (0, 2p) (or x copied into the top-left "
        "corner of a zero array), so every window is shifted by p.",
        "With padding your output has the right shape but shifted values: all 2p zeros went after "
        "the image (np.pad with (0, 2 * p), or x copied into xp[:, :, :H, :W] of a zero array). "
        "Put p zeros on each side: np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), or copy x into "
        "xp[:, :, p:p + H, p:p + W].",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s + 1
            w_out = (w + 2 * p - kw) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("stride_padding",),
    ),
    mistake(
        "conv-windows-not-strided", A, "conv2d_forward",
        "Gets the strided output size right but reads the windows at stride 1: output row r reads "
        "the input rows r + i instead of s r + i.",
        "With a stride your output has the right shape but the wrong values: your windows start "
        "one pixel apart, as with stride 1. Output row r reads the input rows s * r + i, so step "
        "by the stride: xp[:, :, i:i + s * H_out:s, j:j + s * W_out:s] (looping over output "
        "positions: rows r * s to r * s + kh).",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s + 1
            w_out = (w + 2 * p - kw) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + h_out, j:j + w_out]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out + bias[:, None, None]
        """,
        fails=("stride_padding",),
    ),
    mistake(
        "conv-bias-not-added", A, "conv2d_forward",
        "Returns the sums over the windows without adding the bias.",
        "Your output has no bias: every output channel o adds its bias b[o] at every position. "
        "Add it once, after the sums: out + bias[:, None, None] (one value per channel, axis 1 of "
        "(N, O, H_out, W_out)).",
        """
        import numpy as np

        def conv2d_forward(x, weight, bias, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            s, p = stride, padding
            h_out = (h + 2 * p - kh) // s + 1
            w_out = (w + 2 * p - kw) // s + 1
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            out = np.zeros((n, o, h_out, w_out), dtype=x.dtype)
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, :, i:i + s * h_out:s, j:j + s * w_out:s]  # (N, C, H_out, W_out)
                    out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j])
            return out
        """,
        fails=("values", "stride_padding",),
    ),
    mistake(
        "conv-backward-padding-not-removed", A, "conv2d_backward",
        "Returns the gradient of the padded input, without cropping the padding off.",
        "Your grad_x has the padded input's shape: x itself is (N, C, H, W), so crop the "
        "padding off the gradient of the padded input, grad_xp[:, :, p:p + H, p:p + W].",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp, grad_weight, grad_bias
        """,
        fails=("grad_x",),
    ),
    mistake(
        "conv-backward-padding-forgotten", A, "conv2d_backward",
        "Forgets the padding in the backward pass: reads the windows from the unpadded x.",
        "Your backward pass forgets the padding: forward read its windows from the padded "
        "input, so pad x the same way here (np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))), "
        "compute the gradients on the padded input, and crop the padding off grad_x at the "
        "end.",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = x
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp, grad_weight, grad_bias
        """,
        fails=("param_grads", "grad_x",),
    ),
    mistake(
        "conv-backward-bias-not-summed-over-positions", A, "conv2d_backward",
        "Sums the bias gradient over the batch only, leaving one value per output position.",
        "Your bias gradient keeps one value per output position: each bias is added at every "
        "position of every image, so its gradient sums grad_out over the batch and all "
        "positions, grad_out.sum(axis=(0, 2, 3)).",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=0)
            return grad_xp[:, :, p:p + h, p:p + w], grad_weight, grad_bias
        """,
        fails=("param_grads",),
    ),
    mistake(
        "conv-backward-kernel-flipped", A, "conv2d_backward",
        "Uses the flipped kernel for the input gradient although it loops over kernel "
        "offsets.",
        "Your input gradient uses the flipped kernel: looping over kernel offsets, offset (i, "
        "j) sends grad_out back through the same weight W[:, :, i, j] it used in the forward "
        "pass. The flip appears only when dL/dx is written as one full convolution of "
        "grad_out.",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    flipped = weight[:, :, kh - 1 - i, kw - 1 - j]
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, flipped)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp[:, :, p:p + h, p:p + w], grad_weight, grad_bias
        """,
        fails=("grad_x",),
    ),
    mistake(
        "conv-backward-stride-ignored", A, "conv2d_backward",
        "Steps the windows by 1 instead of the stride in the backward pass.",
        "With stride s, output position (r, q) read the input pixels (s r + i, s q + j): step "
        "the windows by the stride in the backward pass as in the forward one (i : i + s "
        "H_out : s).",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + h_out), slice(j, j + w_out)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp[:, :, p:p + h, p:p + w], grad_weight, grad_bias
        """,
        fails=("param_grads", "grad_x",),
    ),
    mistake(
        "conv-backward-overlaps-overwritten", A, "conv2d_backward",
        "Assigns each window's input gradient instead of adding it, so overlapping windows "
        "overwrite each other.",
        "Where windows overlap, an input pixel was read by several of them and its gradient "
        "is the sum of theirs: add (+=) each kernel offset's contribution into grad_x, do not "
        "assign (=).",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] = np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp[:, :, p:p + h, p:p + w], grad_weight, grad_bias
        """,
        fails=("grad_x",),
    ),
    mistake(
        "conv-backward-weight-gradient-flipped", A, "conv2d_backward",
        "Stores the gradient of kernel offset (i, j) at the flipped offset (kh - 1 - i, kw - 1 - "
        "j).",
        "Your weight gradient is flipped: offset (i, j) multiplied the input pixels (s r + i, s q "
        "+ j), so the sum of grad_out times those pixels is the gradient of W[:, :, i, j] itself. "
        "Store it at grad_weight[:, :, i, j], not at the flipped offset (kh - 1 - i, kw - 1 - j).",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_w_ij = np.einsum("nohw,nchw->oc", grad_out, patch)  # (O, C)
                    grad_weight[:, :, kh - 1 - i, kw - 1 - j] = grad_w_ij
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp[:, :, p:p + h, p:p + w], grad_weight, grad_bias
        """,
        fails=("param_grads",),
    ),
    mistake(
        "conv-backward-crop-empty-without-padding", A, "conv2d_backward",
        "Crops the padding off the input gradient with [p:-p], which is empty when p = 0.",
        "Without padding your grad_x is empty: with p = 0, grad_xp[:, :, p:-p] is grad_xp[:, :, "
        "0:0] (-0 is 0, so the slice ends where it starts). Crop with the sizes instead: "
        "grad_xp[:, :, p:p + H, p:p + W].",
        """
        import numpy as np

        def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
            n, c, h, w = x.shape
            o, _, kh, kw = weight.shape
            _, _, h_out, w_out = grad_out.shape
            s, p = stride, padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            grad_xp = np.zeros_like(xp)
            grad_weight = np.zeros_like(weight)
            for i in range(kh):
                for j in range(kw):
                    rows, cols = slice(i, i + s * h_out, s), slice(j, j + s * w_out, s)
                    patch = xp[:, :, rows, cols]  # (N, C, H_out, W_out)
                    grad_weight[:, :, i, j] = np.einsum("nohw,nchw->oc", grad_out, patch)
                    w_ij = weight[:, :, i, j]  # (O, C)
                    grad_xp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", grad_out, w_ij)
            grad_bias = grad_out.sum(axis=(0, 2, 3))
            return grad_xp[:, :, p:-p, p:-p], grad_weight, grad_bias
        """,
        fails=("grad_x",),
    ),
]
