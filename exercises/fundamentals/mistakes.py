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
        "linear-forward-no-bias", A, "linear_forward",
        "Returns X @ W without adding the bias.",
        "Each column of your output is off by the same amount in every row: you left out the "
        "bias. The layer is Y = X @ W + b (numpy adds b to every row).",
        """
        def linear_forward(X, W, b):
            return X @ W
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
        "mlp-forward-no-relu", A, "mlp_forward",
        "Applies no activation at all: every layer is linear.",
        "Your network never applies ReLU, so the whole network is one linear map: after every "
        "layer except the last, pass on A = np.maximum(Z, 0) instead of Z.",
        """
        def mlp_forward(X, weights, biases):
            activations = [X]
            A = X
            for W, b in zip(weights, biases):
                A = A @ W + b
                activations.append(A)
            return A, activations
        """,
        fails=("output", "activations"),
    ),
    mistake(
        "mlp-forward-activations-miss-output", A, "mlp_forward",
        "Appends each layer's input to the list before computing the layer, so the list holds "
        "[X, A1, ...] without the network's output.",
        "Your list of activations stops one layer early: it has the input of every layer but not "
        "the network's output. Append A after computing it, so the list is [X, A1, ..., output], "
        "one longer than weights.",
        """
        import numpy as np

        def mlp_forward(X, weights, biases):
            activations = []
            A = X
            last = len(weights) - 1
            for index, (W, b) in enumerate(zip(weights, biases)):
                activations.append(A)
                Z = A @ W + b
                A = Z if index == last else np.maximum(Z, 0.0)
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
        "count-parameters-bias-per-input", A, "count_parameters",
        "Counts one bias per input unit of each layer (in × out + in) instead of one per output "
        "unit.",
        "Your biases are counted with the wrong width: a layer has one bias per unit it "
        "outputs (b has shape (out,)), so each layer has in × out weights plus out biases, not "
        "plus in.",
        """
        def count_parameters(layer_sizes):
            return sum(n_in * n_out + n_in for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))
        """,
        fails=("count",),
    ),
    mistake(
        "count-parameters-one-bias-per-layer", A, "count_parameters",
        "Counts a single bias per layer instead of one per output unit.",
        "Your count has one bias per layer: a layer has one bias per output unit (b has shape "
        "(out,)), so each layer adds in × out weights plus out biases.",
        """
        def count_parameters(layer_sizes):
            return sum(n_in * n_out + 1 for n_in, n_out in zip(layer_sizes, layer_sizes[1:]))
        """,
        fails=("count",),
    ),
    mistake(
        "count-parameters-misses-last-layer", A, "count_parameters",
        "Loops over range(len(layer_sizes) - 2), one layer too few, so the output layer is not "
        "counted.",
        "Your count leaves out the last layer (layer_sizes = [2, 1] gives 0): n widths make "
        "n - 1 layers, so loop over range(len(layer_sizes) - 1), or over "
        "zip(layer_sizes, layer_sizes[1:]).",
        """
        def count_parameters(layer_sizes):
            total = 0
            for i in range(len(layer_sizes) - 2):
                total += layer_sizes[i] * layer_sizes[i + 1] + layer_sizes[i + 1]
            return total
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
        shows=("only-zero-argument",),
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
        shows=("in-place",),
    ),
    mistake(
        "perceptron-error-sign-flipped", A, "perceptron_step",
        "Uses y_hat - y as the error, which moves the weights away from the label.",
        "Your update moves w and b the wrong way: the error is y - y_hat (label minus "
        "prediction), so a missed positive example (y = 1, y_hat = 0) adds lr · x to w.",
        """
        def perceptron_step(w, b, x, y, lr):
            y_hat = 1.0 if x @ w + b > 0 else 0.0
            error = y_hat - y
            return w + lr * error * x, b + lr * error
        """,
        fails=("update",),
    ),
    mistake(
        "perceptron-bias-not-updated", A, "perceptron_step",
        "Updates the weights but returns the bias unchanged.",
        "Your weights change but your bias does not: the bias learns too, "
        "b + lr · (y - y_hat) (it is a weight whose input is always 1).",
        """
        def perceptron_step(w, b, x, y, lr):
            y_hat = 1.0 if x @ w + b > 0 else 0.0
            error = y - y_hat
            return w + lr * error * x, b
        """,
        fails=("update",),
    ),
    mistake(
        "perceptron-uses-raw-score", A, "perceptron_step",
        "Uses the raw score x · w + b as the prediction (the delta rule) instead of the "
        "thresholded 0 or 1.",
        "Your update uses the raw score x · w + b where the rule needs the prediction: "
        "threshold it first, y_hat = 1 if x · w + b > 0 else 0, so that the update "
        "lr · (y - y_hat) is zero when the prediction is right.",
        """
        def perceptron_step(w, b, x, y, lr):
            y_hat = x @ w + b
            error = y - y_hat
            return w + lr * error * x, b + lr * error
        """,
        fails=("update",),
    ),
    mistake(
        "mse-sum-instead-of-mean", A, "mse_loss",
        "Sums the squared errors instead of averaging them (and the gradient accordingly).",
        "Your loss or gradient is n times too large (n = number of entries): the loss is the "
        "mean of the squared errors (np.mean), as in nnlib and PyTorch, not their sum, so the "
        "gradient is 2 (pred - target) / n.",
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
        "mse-gradient-sign-flipped", A, "mse_loss",
        "Takes diff = target - pred, which gives the right loss but the negated gradient.",
        "Your loss is right but your gradient has the wrong sign: the gradient with respect to "
        "pred is 2 (pred - target) / n, pred minus target (with diff = target - pred the square "
        "is the same, but its derivative changes sign).",
        """
        import numpy as np

        def mse_loss(pred, target):
            diff = target - pred
            return np.mean(diff ** 2), 2.0 * diff / diff.size
        """,
        fails=("gradient",),
        shows=("sign-flipped",),
    ),
    mistake(
        "mse-square-of-mean", A, "mse_loss",
        "Squares the mean error, mean(pred - target)^2, instead of averaging the squared errors.",
        "Your loss squares the mean error: the MSE is the mean of the squared errors, "
        "np.mean((pred - target) ** 2), square first and then average (so that errors of "
        "opposite signs do not cancel).",
        """
        import numpy as np

        def mse_loss(pred, target):
            diff = pred - target
            return np.mean(diff) ** 2, 2.0 * diff / diff.size
        """,
        fails=("value",),
    ),
    mistake(
        "mse-root-mean-square", A, "mse_loss",
        "Returns the root mean squared error (a square root too many) as the loss.",
        "Your loss is the square root of the MSE (the RMSE): the mean squared error is "
        "np.mean((pred - target) ** 2) itself, with no square root.",
        """
        import numpy as np

        def mse_loss(pred, target):
            diff = pred - target
            return np.sqrt(np.mean(diff ** 2)), 2.0 * diff / diff.size
        """,
        fails=("value",),
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
        "bce-zy-sign-flipped", A, "bce_with_logits",
        "Adds the z * y term of the stable formula instead of subtracting it.",
        "Your loss has the wrong sign on the z · y term: it is max(z, 0) - z · y + "
        "log(1 + exp(-|z|)), with a minus, so that the loss is small when z agrees with y.",
        """
        import numpy as np

        def bce_with_logits(logits, targets):
            e = np.exp(-np.abs(logits))
            loss = np.mean(np.maximum(logits, 0) + logits * targets + np.log1p(e))
            probabilities = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            grad = (probabilities - targets) / logits.size
            return loss, grad
        """,
        fails=("value", "large_logits"),
    ),
    mistake(
        "bce-missing-max-term", A, "bce_with_logits",
        "Leaves out the max(z, 0) term of the stable formula.",
        "Your loss is too small where a logit is positive: you left out the max(z, 0) term. The "
        "stable formula is max(z, 0) - z · y + log(1 + exp(-|z|)); that term is what lets the "
        "log use |z|.",
        """
        import numpy as np

        def bce_with_logits(logits, targets):
            e = np.exp(-np.abs(logits))
            loss = np.mean(-logits * targets + np.log1p(e))
            probabilities = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            grad = (probabilities - targets) / logits.size
            return loss, grad
        """,
        fails=("value", "large_logits"),
    ),
    mistake(
        "bce-gradient-sigmoid-overflows", A, "bce_with_logits",
        "Computes the gradient's sigmoid as 1 / (1 + exp(-z)), which overflows (with a warning) "
        "for large negative logits.",
        "Your loss is stable but your gradient's sigmoid computes exp of a large number: "
        "1 / (1 + exp(-z)) overflows for z = -1000 (and so does an np.where with exp(z) in one "
        "branch: np.where computes both). Use e = exp(-|z|): 1 / (1 + e) where z >= 0, "
        "e / (1 + e) where z < 0.",
        """
        import numpy as np

        def bce_with_logits(logits, targets):
            e = np.exp(-np.abs(logits))
            loss = np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(e))
            probabilities = 1 / (1 + np.exp(-logits))
            grad = (probabilities - targets) / logits.size
            return loss, grad
        """,
        fails=("large_logits",),
    ),
    mistake(
        "bce-gradient-sign-flipped", A, "bce_with_logits",
        "Returns (y - sigmoid(z)) / n, the negated gradient.",
        "Your gradient has the wrong sign: dL/dz = (sigmoid(z) - y) / n, the probability minus "
        "the target (positive when the model leans towards 1 too much).",
        """
        import numpy as np

        def bce_with_logits(logits, targets):
            e = np.exp(-np.abs(logits))
            loss = np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(e))
            probabilities = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            grad = (targets - probabilities) / logits.size
            return loss, grad
        """,
        fails=("gradient", "large_logits"),
        shows=("sign-flipped",),
    ),
    mistake(
        "cross-entropy-summed", A, "cross_entropy",
        "Sums the per-example losses instead of averaging over the batch.",
        "This result is N times too large, N the batch size (a sum over the examples where "
        "their mean is asked): cross-entropy averages over the batch, L = -(1/N) sum_n log "
        "softmax(z_n)[y_n], so the gradient is (softmax - one_hot) / N.",
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
    mistake(
        "cross-entropy-max-over-columns", A, "cross_entropy",
        "Subtracts each column's maximum (axis=0) instead of each row's before the softmax.",
        "You subtract the maximum of each column (axis=0, over the batch): a shift cancels in "
        "the softmax only when the whole row gets the same one. Subtract each row's maximum, "
        "logits.max(axis=1, keepdims=True).",
        """
        import numpy as np

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(axis=0, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            rows = np.arange(len(labels))
            loss = -log_probs[rows, labels].mean()
            grad = np.exp(log_probs)
            grad[rows, labels] -= 1
            return loss, grad / len(labels)
        """,
        fails=("value", "gradient", "large_logits"),
    ),
    mistake(
        "cross-entropy-without-keepdims", A, "cross_entropy",
        "Takes the log-sum-exp over each row without keepdims=True, so the (N,) result is "
        "broadcast against the (N, C) logits along the wrong axis (or fails to broadcast).",
        "A row sum (or row max) taken without keepdims=True has shape (N,), which does not line "
        "up with the (N, C) logits: numpy then fails, or subtracts along the rows. Keep the "
        "axis, .sum(axis=1, keepdims=True) and .max(axis=1, keepdims=True), shape (N, 1).",
        """
        import numpy as np

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1))
            rows = np.arange(len(labels))
            loss = -log_probs[rows, labels].mean()
            grad = np.exp(log_probs)
            grad[rows, labels] -= 1
            return loss, grad / len(labels)
        """,
        fails=("value", "gradient", "large_logits"),
        shows=("keepdims",),
    ),
    mistake(
        "cross-entropy-loss-sign", A, "cross_entropy",
        "Returns the mean log-probability of the true class, forgetting the minus sign.",
        "Your loss is negative: cross-entropy is minus the mean log-probability of the true "
        "class, -log_probs[rows, labels].mean() (log-probabilities are at most 0).",
        """
        import numpy as np

        def cross_entropy(logits, labels):
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            rows = np.arange(len(labels))
            loss = log_probs[rows, labels].mean()
            grad = np.exp(log_probs)
            grad[rows, labels] -= 1
            return loss, grad / len(labels)
        """,
        fails=("value", "large_logits"),
        shows=("sign-flipped",),
    ),
]
