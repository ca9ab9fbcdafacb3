"""Known mistakes in the backpropagation assignment."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "backpropagation"

MISTAKES = [
    mistake(
        "linear-backward-missing-transpose", A, "linear_backward",
        "Computes the input gradient as grad_out @ W instead of grad_out @ W.T.",
        "Your gradient with respect to X uses W where it needs W transposed: dL/dX = G W^T "
        "(grad_out @ W.T), which has X's shape (N, in).",
        """
        def linear_backward(X, W, grad_out):
            return grad_out @ W, X.T @ grad_out, grad_out.sum(axis=0)
        """,
        fails=("grad_W", "grad_b", "grad_X"),
        shows=("matrix-sizes",),
    ),
    mistake(
        "linear-backward-weight-gradient-transposed", A, "linear_backward",
        "Computes the weight gradient as grad_out.T @ X, the transpose of X.T @ grad_out.",
        "Your weight gradient is the transpose of the right one: dL/dW must have W's shape "
        "(in, out), and it is X^T G (X.T @ grad_out), not G^T X.",
        """
        def linear_backward(X, W, grad_out):
            return grad_out @ W.T, grad_out.T @ X, grad_out.sum(axis=0)
        """,
        fails=("grad_W",),
        shows=("transposed",),
    ),
    mistake(
        "linear-backward-bias-averaged", A, "linear_backward",
        "Averages the upstream gradient over the batch for the bias instead of summing it.",
        "Your bias gradient is N times too small: every example adds its gradient to the bias, "
        "so sum grad_out over the batch axis (the loss has already averaged over the batch).",
        """
        def linear_backward(X, W, grad_out):
            return grad_out @ W.T, X.T @ grad_out, grad_out.mean(axis=0)
        """,
        fails=("grad_b",),
        shows=("constant-factor",),  # 1/N
    ),
    mistake(
        "linear-backward-bias-not-summed", A, "linear_backward",
        "Returns grad_out itself as the bias gradient, one row per example, instead of its sum "
        "over the batch.",
        "Your bias gradient has one row per example: the bias is shared by every example of the "
        "batch, so its gradient is the sum of grad_out over the batch, grad_out.sum(axis=0), "
        "of b's shape (out,).",
        """
        def linear_backward(X, W, grad_out):
            return grad_out @ W.T, X.T @ grad_out, grad_out
        """,
        fails=("grad_b",),
        shows=("batch-axis-kept",),
    ),
    mistake(
        "linear-backward-bias-summed-to-scalar", A, "linear_backward",
        "Sums grad_out over every entry (grad_out.sum()) for the bias, giving one number.",
        "Your bias gradient is a single number: sum grad_out over the batch only, "
        "grad_out.sum(axis=0), which keeps one entry per output feature (b's shape (out,)).",
        """
        def linear_backward(X, W, grad_out):
            return grad_out @ W.T, X.T @ grad_out, grad_out.sum()
        """,
        fails=("grad_b",),
    ),
    mistake(
        "linear-backward-bias-wrong-axis", A, "linear_backward",
        "Sums grad_out over the features (axis=1) instead of over the batch for the bias.",
        "Your bias gradient has one entry per example: sum grad_out over the batch, down the "
        "rows (axis=0), to get one entry per output feature, b's shape (out,).",
        """
        def linear_backward(X, W, grad_out):
            return grad_out @ W.T, X.T @ grad_out, grad_out.sum(axis=1)
        """,
        fails=("grad_b",),
    ),
    mistake(
        "two-layer-sigmoid-derivative-twice", A, "two_layer_backward",
        "Multiplies (y_hat - y) / N by the sigmoid's derivative again, although the sigmoid and "
        "the cross-entropy together already give dL/dZ2 = (y_hat - y) / N.",
        "Your output gradient has an extra factor sigma'(Z2): with binary cross-entropy on the "
        "logits, dL/dZ2 = (y_hat - y) / N already includes the sigmoid's derivative. Do not "
        "multiply by y_hat (1 - y_hat) again.",
        """
        import numpy as np

        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = X.shape[0]
            Z1 = X @ W1 + b1
            H = np.maximum(Z1, 0.0)
            Z2 = H @ W2 + b2
            loss = np.mean(np.maximum(Z2, 0) - Z2 * y + np.log1p(np.exp(-np.abs(Z2))))
            y_hat = 0.5 * (1 + np.tanh(Z2 / 2))
            G2 = (y_hat - y) / N * y_hat * (1 - y_hat)
            G1 = (G2 @ W2.T) * (Z1 > 0)
            grads = {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": H.T @ G2, "b2": G2.sum(axis=0)}
            return loss, grads
        """,
        fails=("output_layer", "hidden_layer"),
    ),
    mistake(
        "two-layer-not-averaged", A, "two_layer_backward",
        "Forgets the 1/N of the mean loss in the backward pass (the loss itself is right).",
        "Your gradients are N times too large (N = batch size): the loss is the mean over the "
        "batch, so dL/dZ2 = (y_hat - y) / N.",
        """
        import numpy as np

        def two_layer_backward(X, y, W1, b1, W2, b2):
            Z1 = X @ W1 + b1
            H = np.maximum(Z1, 0.0)
            Z2 = H @ W2 + b2
            loss = np.mean(np.maximum(Z2, 0) - Z2 * y + np.log1p(np.exp(-np.abs(Z2))))
            G2 = 0.5 * (1 + np.tanh(Z2 / 2)) - y
            G1 = (G2 @ W2.T) * (Z1 > 0)
            grads = {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": H.T @ G2, "b2": G2.sum(axis=0)}
            return loss, grads
        """,
        fails=("output_layer", "hidden_layer"),
        shows=("constant-factor",),  # N
    ),
    mistake(
        "two-layer-relu-mask-missing", A, "two_layer_backward",
        "Passes the gradient through the ReLU unchanged, as if it were the identity.",
        "Your hidden-layer gradients ignore the ReLU: multiply G2 @ W2.T by the ReLU's "
        "derivative, (Z1 > 0), so that units that were off get no gradient.",
        """
        import numpy as np

        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = X.shape[0]
            Z1 = X @ W1 + b1
            H = np.maximum(Z1, 0.0)
            Z2 = H @ W2 + b2
            loss = np.mean(np.maximum(Z2, 0) - Z2 * y + np.log1p(np.exp(-np.abs(Z2))))
            G2 = (0.5 * (1 + np.tanh(Z2 / 2)) - y) / N
            G1 = G2 @ W2.T
            grads = {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": H.T @ G2, "b2": G2.sum(axis=0)}
            return loss, grads
        """,
        fails=("hidden_layer",),
    ),
    mistake(
        "two-layer-w2-from-pre-activation", A, "two_layer_backward",
        "Computes the output layer's weight gradient from Z1, the hidden layer before ReLU, "
        "instead of H.",
        "Your W2 gradient uses Z1, the hidden layer before its ReLU: the output layer's input is "
        "H = ReLU(Z1), so dL/dW2 = H^T G2 (H.T @ G2).",
        """
        import numpy as np

        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = X.shape[0]
            Z1 = X @ W1 + b1
            H = np.maximum(Z1, 0.0)
            Z2 = H @ W2 + b2
            e = np.exp(-np.abs(Z2))
            loss = np.mean(np.maximum(Z2, 0) - Z2 * y + np.log1p(e))
            y_hat = np.where(Z2 >= 0, 1 / (1 + e), e / (1 + e))
            G2 = (y_hat - y) / N
            G1 = (G2 @ W2.T) * (Z1 > 0)
            grads = {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": Z1.T @ G2, "b2": G2.sum(axis=0)}
            return loss, grads
        """,
        fails=("output_layer",),
    ),
    mistake(
        "two-layer-hidden-missing-transpose", A, "two_layer_backward",
        "Sends the gradient back through W2 without transposing it (G2 @ W2), which fails on the "
        "shapes.",
        "The gradient you send back to the hidden layer needs W2 transposed: "
        "G1 = (G2 @ W2.T) * (Z1 > 0), of H's shape (N, hidden). G2 has shape (N, 1) and W2 "
        "(hidden, 1), so G2 @ W2 does not fit.",
        """
        import numpy as np

        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = X.shape[0]
            Z1 = X @ W1 + b1
            H = np.maximum(Z1, 0.0)
            Z2 = H @ W2 + b2
            e = np.exp(-np.abs(Z2))
            loss = np.mean(np.maximum(Z2, 0) - Z2 * y + np.log1p(e))
            y_hat = np.where(Z2 >= 0, 1 / (1 + e), e / (1 + e))
            G2 = (y_hat - y) / N
            G1 = (G2 @ W2) * (Z1 > 0)
            grads = {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": H.T @ G2, "b2": G2.sum(axis=0)}
            return loss, grads
        """,
        fails=("output_layer", "hidden_layer"),
        shows=("matrix-sizes",),
    ),
    mistake(
        "two-layer-gradient-sign-flipped", A, "two_layer_backward",
        "Starts the backward pass from (y - y_hat) / N, so every gradient has the wrong sign.",
        "All your gradients have the wrong sign: start the backward pass from "
        "dL/dZ2 = (sigmoid(Z2) - y) / N, the prediction minus the label.",
        """
        import numpy as np

        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = X.shape[0]
            Z1 = X @ W1 + b1
            H = np.maximum(Z1, 0.0)
            Z2 = H @ W2 + b2
            e = np.exp(-np.abs(Z2))
            loss = np.mean(np.maximum(Z2, 0) - Z2 * y + np.log1p(e))
            y_hat = np.where(Z2 >= 0, 1 / (1 + e), e / (1 + e))
            G2 = (y - y_hat) / N
            G1 = (G2 @ W2.T) * (Z1 > 0)
            grads = {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": H.T @ G2, "b2": G2.sum(axis=0)}
            return loss, grads
        """,
        fails=("output_layer", "hidden_layer"),
    ),
    mistake(
        "numgrad-forward-difference", A, "numerical_gradient",
        "Uses the one-sided difference (f(x + eps) - f(x)) / eps instead of the central one.",
        "Your gradient is off by about eps times the curvature: a one-sided difference "
        "(f(x + eps) - f(x)) / eps is only accurate to O(eps). Use central differences, "
        "(f(x + eps) - f(x - eps)) / (2 eps), accurate to O(eps^2).",
        """
        import numpy as np

        def numerical_gradient(f, x, eps=1e-6):
            grad = np.zeros_like(x)
            base = f(x)
            for i in np.ndindex(x.shape):
                old = x[i]
                x[i] = old + eps
                grad[i] = (f(x) - base) / eps
                x[i] = old
            return grad
        """,
        fails=("accuracy",),
    ),
    mistake(
        "numgrad-x-not-restored", A, "numerical_gradient",
        "Leaves each entry of x at x - eps after perturbing it, so x is changed afterwards and "
        "later entries are evaluated at the wrong point.",
        "x is not the same after your function returns: after evaluating f at x + eps and "
        "x - eps, put the original value back (save it first: old = x[i]; ...; x[i] = old).",
        """
        import numpy as np

        def numerical_gradient(f, x, eps=1e-6):
            grad = np.zeros_like(x)
            for i in np.ndindex(x.shape):
                x[i] += eps
                f_plus = f(x)
                x[i] -= 2 * eps
                f_minus = f(x)
                grad[i] = (f_plus - f_minus) / (2 * eps)
            return grad
        """,
        fails=("accuracy", "restores_x"),
    ),
    mistake(
        "numgrad-divides-by-2-times-eps", A, "numerical_gradient",
        "Writes (f_plus - f_minus) / 2 * eps, which Python reads as ((f_plus - f_minus) / 2) "
        "* eps.",
        "Your gradient is far too small: Python reads a / 2 * eps as (a / 2) * eps, so you "
        "multiplied by eps instead of dividing. Put the denominator in parentheses: "
        "(f_plus - f_minus) / (2 * eps).",
        """
        import numpy as np

        def numerical_gradient(f, x, eps=1e-6):
            grad = np.zeros_like(x)
            for index in np.ndindex(x.shape):
                original = x[index]
                x[index] = original + eps
                f_plus = f(x)
                x[index] = original - eps
                f_minus = f(x)
                x[index] = original
                grad[index] = (f_plus - f_minus) / 2 * eps
            return grad
        """,
        fails=("accuracy",),
    ),
    mistake(
        "numgrad-minus-step-returns-to-x", A, "numerical_gradient",
        "Evaluates the \"minus\" point at x itself: after x[i] += eps, x[i] -= eps only goes back "
        "to x (or x_minus = x is the same array, not a copy), so the result is half a one-sided "
        "difference.",
        "Your gradient is about half the right one: your second point is x itself, not x - eps. "
        "After x[i] += eps, x[i] -= eps only goes back to x; set x[i] = original - eps instead. "
        "(And x_minus = x is the same array, not a copy: use x.copy().)",
        """
        import numpy as np

        def numerical_gradient(f, x, eps=1e-6):
            grad = np.zeros_like(x)
            for index in np.ndindex(x.shape):
                x[index] += eps
                f_plus = f(x)
                x[index] -= eps
                f_minus = f(x)
                grad[index] = (f_plus - f_minus) / (2 * eps)
            return grad
        """,
        fails=("accuracy",),
    ),
    mistake(
        "numgrad-perturbs-whole-rows", A, "numerical_gradient",
        "Loops over range(x.shape[0]) and shifts x[i], a whole row of a 2-D x, at once.",
        "Every entry of a row of your gradient is the same number, the row's sum: x[i] with one "
        "index is a whole row of a 2-D array, so you shifted all of it at once. Shift one entry "
        "at a time: for index in np.ndindex(x.shape), then x[index].",
        """
        import numpy as np

        def numerical_gradient(f, x, eps=1e-6):
            grad = np.zeros_like(x)
            for i in range(x.shape[0]):
                original = x[i].copy()
                x[i] = original + eps
                f_plus = f(x)
                x[i] = original - eps
                f_minus = f(x)
                x[i] = original
                grad[i] = (f_plus - f_minus) / (2 * eps)
            return grad
        """,
        fails=("accuracy",),
    ),
    mistake(
        "numgrad-difference-reversed", A, "numerical_gradient",
        "Computes (f(x - eps) - f(x + eps)) / (2 eps), the negated gradient.",
        "Your gradient has the wrong sign: the central difference is "
        "(f(x + eps) - f(x - eps)) / (2 eps), the value at x + eps first.",
        """
        import numpy as np

        def numerical_gradient(f, x, eps=1e-6):
            grad = np.zeros_like(x)
            for index in np.ndindex(x.shape):
                original = x[index]
                x[index] = original + eps
                f_plus = f(x)
                x[index] = original - eps
                f_minus = f(x)
                x[index] = original
                grad[index] = (f_minus - f_plus) / (2 * eps)
            return grad
        """,
        fails=("accuracy",),
        shows=("sign-flipped",),
    ),
    mistake(
        "clip-each-tensor-separately", A, "clip_grad_norm",
        "Clips each gradient array to max_norm on its own instead of scaling all of them by the "
        "same factor from the global norm.",
        "Your gradients are clipped one array at a time, which changes the direction of the "
        "update. Compute one global norm over all arrays, sqrt(sum of every squared entry), and "
        "scale every array by the same factor max_norm / (norm + 1e-6).",
        """
        import numpy as np

        def clip_grad_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
            clipped = []
            for g in grads:
                norm = np.sqrt(np.sum(g ** 2))
                clipped.append(g * (max_norm / (norm + 1e-6)) if norm > max_norm else g.copy())
            return clipped, total
        """,
        fails=("clipped",),
    ),
    mistake(
        "clip-always-rescales", A, "clip_grad_norm",
        "Rescales the gradients to norm max_norm even when their norm is already smaller.",
        "Your small gradients were scaled up: clipping only ever shrinks. Scale by "
        "max_norm / (norm + 1e-6) only when that factor is below 1, and leave the gradients "
        "unchanged otherwise.",
        """
        import numpy as np

        def clip_grad_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
            scale = max_norm / (total + 1e-6)
            return [g * scale for g in grads], total
        """,
        fails=("clipped",),
    ),
    mistake(
        "clip-returns-norm-after-clipping", A, "clip_grad_norm",
        "Returns the global norm after clipping (max_norm) instead of before.",
        "Your clipped gradients are right, but the norm you return is the one after clipping: "
        "return the global norm measured before clipping (it is what training logs to see how "
        "large the gradients really were).",
        """
        import numpy as np

        def clip_grad_norm(grads, max_norm):
            norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads)))
            scale = max_norm / (norm + 1e-6)
            if scale < 1:
                clipped = [g * np.asarray(scale, dtype=g.dtype) for g in grads]
                norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in clipped)))
                return clipped, norm
            return [g.copy() for g in grads], norm
        """,
        fails=("norm",),
    ),
    mistake(
        "clip-sum-of-norms", A, "clip_grad_norm",
        "Adds up the norms of the arrays instead of taking the norm of all entries together.",
        "Your global norm adds up each array's norm: the global norm is the norm of all entries "
        "together, sqrt(sum over every array of np.sum(g ** 2)), with one square root at the "
        "very end.",
        """
        import numpy as np

        def clip_grad_norm(grads, max_norm):
            norm = float(sum(np.linalg.norm(g) for g in grads))
            scale = max_norm / (norm + 1e-6)
            if scale < 1:
                return [g * np.asarray(scale, dtype=g.dtype) for g in grads], norm
            return [g.copy() for g in grads], norm
        """,
        fails=("norm", "clipped"),
    ),
    mistake(
        "clip-norm-without-sqrt", A, "clip_grad_norm",
        "Uses the sum of squares as the norm, without the square root.",
        "Your norm is the sum of the squared entries: the norm is its square root, "
        "sqrt(sum over every array of np.sum(g ** 2)).",
        """
        import numpy as np

        def clip_grad_norm(grads, max_norm):
            norm = float(sum(np.sum(g.astype(np.float64) ** 2) for g in grads))
            scale = max_norm / (norm + 1e-6)
            if scale < 1:
                return [g * np.asarray(scale, dtype=g.dtype) for g in grads], norm
            return [g.copy() for g in grads], norm
        """,
        fails=("norm", "clipped"),
    ),
    mistake(
        "clip-by-value", A, "clip_grad_norm",
        "Clips each entry to [-max_norm, max_norm] (np.clip) instead of rescaling by the global "
        "norm.",
        "You clipped each entry to [-max_norm, max_norm] (clipping by value), which changes the "
        "direction of the gradient. Clipping by norm multiplies every array by the same factor, "
        "max_norm / (norm + 1e-6), when the global norm is above max_norm.",
        """
        import numpy as np

        def clip_grad_norm(grads, max_norm):
            norm = float(np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads)))
            return [np.clip(g, -max_norm, max_norm) for g in grads], norm
        """,
        fails=("clipped",),
    ),
    mistake(
        "he-uses-xavier-variance", A, "he_normal",
        "Draws He-normal weights with Xavier's variance 2 / (fan_in + fan_out) (He and Xavier "
        "swapped).",
        "Your weights' spread is Xavier's: He initialization has variance 2 / fan_in (std "
        "sqrt(2 / fan_in)), for ReLU layers; 2 / (fan_in + fan_out) is Xavier's.",
        """
        import numpy as np

        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            std = np.sqrt(2.0 / (fan_in + fan_out))
            return rng.normal(0.0, std, size=(fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "he-uses-unit-variance", A, "he_normal",
        "Draws the weights from a standard normal, without scaling by sqrt(2 / fan_in).",
        "Your weights have standard deviation 1: scale them by sqrt(2 / fan_in), otherwise the "
        "signal grows with every layer.",
        """
        import numpy as np

        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            return rng.standard_normal((fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "he-ignores-dtype", A, "he_normal",
        "Returns the float64 draws whatever dtype was asked for.",
        "Your weights are float64 when another dtype was asked for: convert the result, "
        "(...).astype(dtype), before returning it.",
        """
        import numpy as np

        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            std = np.sqrt(2.0 / fan_in)
            return std * rng.standard_normal((fan_in, fan_out))
        """,
        fails=("distribution",),
        shows=("float64",),
    ),
    mistake(
        "he-variance-as-std", A, "he_normal",
        "Uses the variance 2 / fan_in as the standard deviation (no square root).",
        "Your weights' spread is far too small: 2 / fan_in is the variance, and the standard "
        "deviation is its square root, sqrt(2 / fan_in) (rng.normal's scale is a standard "
        "deviation).",
        """
        import numpy as np

        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            std = 2.0 / fan_in
            return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "he-uses-fan-out", A, "he_normal",
        "Divides by fan_out instead of fan_in.",
        "Your weights' spread follows fan_out: He initialization divides by the number of "
        "inputs of the layer, the variance is 2 / fan_in (std sqrt(2 / fan_in)).",
        """
        import numpy as np

        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            std = np.sqrt(2.0 / fan_out)
            return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "he-uniform-not-normal", A, "he_normal",
        "Draws from He's uniform distribution U(-sqrt(6 / fan_in), sqrt(6 / fan_in)) instead of "
        "the normal one.",
        "Your weights have He's variance but are uniformly distributed (none far out in the "
        "tails): this part asks for the normal version, "
        "sqrt(2 / fan_in) * rng.standard_normal((fan_in, fan_out)).",
        """
        import numpy as np

        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            bound = np.sqrt(6.0 / fan_in)
            return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "xavier-uses-he-variance", A, "xavier_uniform",
        "Uses He's bound sqrt(6 / fan_in) for the Xavier uniform distribution (He and Xavier "
        "swapped).",
        "Your weights' range is He's: Xavier uniform draws from U(-a, a) with "
        "a = sqrt(6 / (fan_in + fan_out)), counting both fans; sqrt(6 / fan_in) is He's.",
        """
        import numpy as np

        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            bound = np.sqrt(6.0 / fan_in)
            return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "xavier-std-as-bound", A, "xavier_uniform",
        "Uses Xavier's standard deviation sqrt(2 / (fan_in + fan_out)) as the uniform bound, so "
        "the variance is three times too small.",
        "Your weights' spread is too small by a factor sqrt(3): a uniform U(-a, a) has variance "
        "a^2 / 3, so for variance 2 / (fan_in + fan_out) the bound is a = sqrt(6 / (fan_in + fan_out)).",
        """
        import numpy as np

        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            bound = np.sqrt(2.0 / (fan_in + fan_out))
            return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
        shows=("constant-factor",),  # the bound is sqrt(3) too small
    ),
    mistake(
        "xavier-syllabus-formula", A, "xavier_uniform",
        "Uses the syllabus's \"Xavier\" initialization, a normal with std sqrt(2 / fan_in), "
        "which is He initialization.",
        "Your weights are normal with std sqrt(2 / fan_in): that is He initialization (some "
        "texts call it Xavier by mistake; the chapter's section on initialization tells them "
        "apart). Xavier uniform draws from U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).",
        """
        import numpy as np

        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "xavier-normal-not-uniform", A, "xavier_uniform",
        "Draws from a normal distribution with Xavier's variance instead of a uniform one.",
        "Your weights have Xavier's variance but are normally distributed (some exceed any "
        "bound): this part asks for the uniform version, rng.uniform(-a, a, size=...), with "
        "a chosen so that the variance a^2 / 3 equals 2 / (fan_in + fan_out).",
        """
        import numpy as np

        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            std = np.sqrt(2.0 / (fan_in + fan_out))
            return (std * rng.standard_normal((fan_in, fan_out))).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "xavier-variance-as-bound", A, "xavier_uniform",
        "Uses the target variance 2 / (fan_in + fan_out) itself as the bound of the uniform.",
        "Your weights' range is far too small: 2 / (fan_in + fan_out) is the variance you want, "
        "not the bound. A uniform U(-a, a) has variance a^2 / 3: solve a^2 / 3 = "
        "2 / (fan_in + fan_out) for a.",
        """
        import numpy as np

        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            bound = 2.0 / (fan_in + fan_out)
            return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
    ),
    mistake(
        "xavier-lecun-bound", A, "xavier_uniform",
        "Uses LeCun's bound sqrt(3 / fan_in), variance 1 / fan_in, instead of Xavier's.",
        "Your bound counts only fan_in: U(-sqrt(3 / fan_in), sqrt(3 / fan_in)) has variance "
        "1 / fan_in (LeCun's). Xavier's variance is 2 / (fan_in + fan_out), both fans, so "
        "a = sqrt(6 / (fan_in + fan_out)).",
        """
        import numpy as np

        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            bound = np.sqrt(3.0 / fan_in)
            return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype)
        """,
        fails=("distribution",),
    ),
]
