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
]
