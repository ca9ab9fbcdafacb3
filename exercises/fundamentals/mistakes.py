"""Known mistakes in the fundamentals assignment (layers, forward pass, losses)."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "fundamentals"

MISTAKES = [
    mistake(
        "linear-forward-transposed-weight", A, "linear_forward",
        "Multiplies by W transposed (the column-vector convention W x), which only runs when W is "
        "square.",
        "W has shape (in_features, out_features) in this course, so the layer is Y = X @ W + b. "
        "You multiplied by W transposed, as in the column-vector formula z = W x.",
        """
        def linear_forward(X, W, b):
            return X @ W.T + b
        """,
        fails=("values", "edge_cases"),
    ),
    mistake(
        "linear-forward-bias-as-column", A, "linear_forward",
        "Adds the bias as a column (b[:, None]), one bias per example instead of one per "
        "output, which fails to broadcast or adds the wrong numbers.",
        "Your bias is added down the columns: b has one entry per output feature, and "
        "X @ W has one column per output feature, so add b as it is, X @ W + b (broadcasting "
        "adds it to every row). A reshape to (-1, 1) makes it one entry per example.",
        """
        def linear_forward(X, W, b):
            return X @ W + b[:, None]
        """,
        fails=("values", "edge_cases"),
    ),
    mistake(
        "mlp-forward-relu-on-output", A, "mlp_forward",
        "Applies ReLU after the last layer too, so the network cannot output negative numbers.",
        "Your output has no negative entries where the expected one does: the last layer is "
        "linear. Apply ReLU after the hidden layers only, not after the output layer.",
        """
        import numpy as np

        def mlp_forward(X, weights, biases):
            activations = [X]
            A = X
            for W, b in zip(weights, biases):
                A = np.maximum(A @ W + b, 0.0)
                activations.append(A)
            return A, activations
        """,
        fails=("output", "activations"),
        shows=("negatives-zeroed",),
    ),
    mistake(
        "mlp-forward-stores-pre-activations", A, "mlp_forward",
        "Records each hidden layer's pre-activation Z instead of its activation A = ReLU(Z).",
        "The output is right but the hidden entries of your list are the pre-activations "
        "Z = A @ W + b: store what each layer passes on, A = ReLU(Z).",
        """
        import numpy as np

        def mlp_forward(X, weights, biases):
            activations = [X]
            A = X
            for index, (W, b) in enumerate(zip(weights, biases)):
                Z = A @ W + b
                activations.append(Z)
                A = np.maximum(Z, 0.0) if index < len(weights) - 1 else Z
            return A, activations
        """,
        fails=("activations",),
    ),
    mistake(
        "mlp-forward-activations-miss-input", A, "mlp_forward",
        "Returns the list of the layers' outputs without the input X in front.",
        "Your list of activations is one short: it starts with the input, [X, A1, ..., "
        "output] (one longer than weights), because the backward pass needs each layer's input "
        "and the first layer's input is X.",
        """
        import numpy as np

        def mlp_forward(X, weights, biases):
            activations = []
            A = X
            last = len(weights) - 1
            for index, (W, b) in enumerate(zip(weights, biases)):
                Z = A @ W + b
                A = Z if index == last else np.maximum(Z, 0.0)
                activations.append(A)
            return A, activations
        """,
        fails=("activations",),
    ),
    mistake(
        "count-parameters-without-biases", A, "count_parameters",
        "Counts the weights but not the biases.",
        "Your count is too small by the number of biases: every layer has in × out weights "
        "plus out biases.",
        """
        def count_parameters(layer_sizes):
            return sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))
        """,
        fails=("count",),
    ),
    mistake(
        "count-parameters-input-biases", A, "count_parameters",
        "Counts one bias per unit of every layer, the input layer included.",
        "Your count is too large by the input width: biases belong to the layers, one per "
        "output unit of each layer; the input features have none. Each layer has "
        "in × out weights plus out biases.",
        """
        def count_parameters(layer_sizes):
            weights = sum(n_in * n_out for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))
            return weights + sum(layer_sizes)
        """,
        fails=("count",),
    ),
    mistake(
        "perceptron-updates-when-right", A, "perceptron_step",
        "Always moves the weights towards the label, even when the prediction is already right.",
        "Your weights change on examples the perceptron already classifies correctly. The "
        "update is lr · (y - y_hat) · x, which is zero when the prediction y_hat equals y.",
        """
        def perceptron_step(w, b, x, y, lr):
            direction = 2 * y - 1
            return w + lr * direction * x, b + lr * direction
        """,
        fails=("update",),
    ),
    mistake(
        "perceptron-predicts-one-at-zero", A, "perceptron_step",
        "Predicts 1 when x · w + b is exactly 0 (>= instead of >).",
        "Your perceptron predicts 1 when x · w + b is exactly 0: the rule predicts 1 only for "
        "a score strictly above 0 (score > 0), and 0 otherwise, so that an untrained "
        "perceptron (w = 0, b = 0) predicts 0.",
        """
        def perceptron_step(w, b, x, y, lr):
            y_hat = 1.0 if x @ w + b >= 0 else 0.0
            error = y - y_hat
            return w + lr * error * x, b + lr * error
        """,
        fails=("update",),
    ),
    mistake(
        "perceptron-modifies-w", A, "perceptron_step",
        "Updates w in place (w += ...) and returns it, which changes the caller's array.",
        "Your function changed the w it was given (w += ... works in place on the caller's "
        "array): compute a new array, w + lr * (y - y_hat) * x, and return it.",
        """
        def perceptron_step(w, b, x, y, lr):
            y_hat = 1.0 if x @ w + b > 0 else 0.0
            error = y - y_hat
            w[...] = w + lr * error * x
            return w, b + lr * error
        """,
        fails=("update",),
    ),
    mistake(
        "mse-sum-instead-of-mean", A, "mse_loss",
        "Sums the squared errors instead of averaging them (and the gradient accordingly).",
        "Your loss and gradient are n times too large (n = number of entries): the loss is the "
        "mean of the squared errors (np.mean), as in nnlib and PyTorch, so the gradient is "
        "2 (pred - target) / n.",
        """
        import numpy as np

        def mse_loss(pred, target):
            diff = pred - target
            return np.sum(diff ** 2), 2 * diff
        """,
        fails=("value", "gradient"),
        shows=("constant-factor",),  # N * outputs
    ),
    mistake(
        "mse-gradient-missing-factor-2", A, "mse_loss",
        "Drops the factor 2 of the derivative of the square.",
        "Your gradient is half the expected one: the derivative of (p - t)^2 is 2 (p - t), so "
        "the gradient of the mean is 2 (pred - target) / n.",
        """
        import numpy as np

        def mse_loss(pred, target):
            diff = pred - target
            return np.mean(diff ** 2), diff / diff.size
        """,
        fails=("gradient",),
        shows=("constant-factor",),  # 1/2
    ),
    mistake(
        "mse-gradient-divides-by-rows", A, "mse_loss",
        "Divides the gradient by the batch size N instead of the number of entries N * outputs.",
        "Your gradient is too large by the number of outputs per example: the mean is over all "
        "n = N × outputs entries, so divide by pred.size, not by len(pred).",
        """
        import numpy as np

        def mse_loss(pred, target):
            diff = pred - target
            return np.mean(diff ** 2), 2 * diff / len(pred)
        """,
        fails=("gradient",),
        shows=("constant-factor",),  # the number of outputs
    ),
    mistake(
        "bce-logits-through-sigmoid-and-log", A, "bce_with_logits",
        "Computes sigmoid(z) and then the log of it, which overflows and takes log(0) for large "
        "logits.",
        "Your loss is inf or nan for large logits: sigmoid(z) rounds to exactly 0 or 1 and its "
        "log is -inf. Never form the probability: use max(z, 0) - z y + log(1 + exp(-|z|)).",
        """
        import numpy as np

        def bce_with_logits(logits, targets):
            p = 1.0 / (1.0 + np.exp(-logits))
            loss = -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
            return loss, (p - targets) / logits.size
        """,
        fails=("large_logits",),
        shows=("nan-inf",),  # log(0) on large logits
    ),
    mistake(
        "bce-gradient-not-averaged", A, "bce_with_logits",
        "Returns sigmoid(z) - y without the 1/n of the mean.",
        "Your gradient is n times too large (n = number of entries): the loss is a mean, so its "
        "gradient is (sigmoid(z) - y) / n.",
        """
        import numpy as np

        def bce_with_logits(logits, targets):
            loss = np.mean(np.maximum(logits, 0) - logits * targets
                           + np.log1p(np.exp(-np.abs(logits))))
            p = np.exp(-np.logaddexp(0, -logits))
            return loss, p - targets
        """,
        fails=("gradient", "large_logits"),
        shows=("constant-factor",),  # N
    ),
    mistake(
        "cross-entropy-summed", A, "cross_entropy",
        "Sums the per-example losses instead of averaging over the batch.",
        "Your loss (and gradient) is N times too large, N the batch size: cross-entropy averages "
        "over the batch, L = -(1/N) sum_n log softmax(z_n)[y_n], so the gradient is "
        "(softmax - one_hot) / N.",
        """
        import numpy as np

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            rows = np.arange(len(labels))
            grad = np.exp(log_probs)
            grad[rows, labels] -= 1
            return -log_probs[rows, labels].sum(), grad
        """,
        fails=("value", "gradient", "large_logits"),
        shows=("constant-factor",),  # N times the mean
    ),
    mistake(
        "cross-entropy-gradient-without-one-hot", A, "cross_entropy",
        "Returns softmax / N as the gradient, forgetting to subtract the one-hot labels.",
        "Your gradient is softmax(z) / N: subtract 1 at each example's true class, "
        "(softmax(z) - one_hot(y)) / N. (Every row of the right gradient sums to zero.)",
        """
        import numpy as np

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            rows = np.arange(len(labels))
            return -log_probs[rows, labels].mean(), np.exp(log_probs) / len(labels)
        """,
        fails=("gradient",),
    ),
    mistake(
        "cross-entropy-naive-softmax", A, "cross_entropy",
        "Exponentiates the logits without subtracting the row maximum, which overflows.",
        "Your loss is nan or inf for large logits: exp(1000) overflows. Subtract each row's "
        "maximum before exponentiating (it cancels out) and compute log-softmax as "
        "shifted - log(sum(exp(shifted))).",
        """
        import numpy as np

        def cross_entropy(logits, labels):
            probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            rows = np.arange(len(labels))
            grad = probs.copy()
            grad[rows, labels] -= 1
            return -np.log(probs[rows, labels]).mean(), grad / len(labels)
        """,
        fails=("large_logits",),
        shows=("nan-inf",),  # exp overflows on large logits
    ),
]
