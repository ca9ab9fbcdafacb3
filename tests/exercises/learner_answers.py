"""A learner-style answer set for six assignments: answers written from the notebooks' task text.

These are NOT the bank's variants (``exercises/NAME/mistakes.py``) and must not be copied into
it: they play the part of a class the bank was not built from, written as a learner would write
them (other variable names, loops where the bank vectorizes, ``np.dot``, in-place updates,
helper functions...). ``test_learner_answers.py`` runs every answer through the checks as the
self-check and as grading see it, and measures how many mistakes are caught and named.

Each :class:`LearnerAnswer` is one answer cell: ``source`` defines the part (the setup cell's
names, ``np``, ``math`` and, in activations, ``erf``, are available). ``correct`` answers must
pass everything. A wrong answer lists what may name it:

- ``ids``: the bank's mistakes that describe it (naming any other id is a false positive);
- ``symptoms``: regular expressions, any of which in the failure's explanation (not in the
  lines that quote the case or the values) counts as a specific symptom hint.

``issue13`` marks the mistakes listed in issue 13, which the set must contain.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class LearnerAnswer:
    part: str
    name: str
    source: str
    correct: bool = False
    ids: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    issue13: bool = False


def right(part, name, source):
    return LearnerAnswer(part, name, textwrap.dedent(source).strip() + "\n", correct=True)


def wrong(part, name, source, ids=(), symptoms=(), issue13=False):
    return LearnerAnswer(part, name, textwrap.dedent(source).strip() + "\n", ids=tuple(ids),
                         symptoms=tuple(symptoms), issue13=issue13)


# Symptom hints, as regular expressions over the explanation of a failure.
FACTOR = r"times (too|the expected)|constant factor|factor (of )?\d"
FLOAT64 = r"float64"
IN_PLACE = r"in[- ]place|modif(y|ied|ies) (its |your |the )?(input|argument|array)"
AXIS = r"\baxis\b"
OFF_BY_ONE = r"off by one|one step (late|early|ahead|behind)|step count"
NAN_INF = r"\b(nan|inf)\b.*(overflow|log|0/0|division|divid)"
MODE = r"evaluation mode|eval(uation)? mode|running (mean|statistics|variance)"

ANSWERS: list[LearnerAnswer] = [
    # --- fundamentals ------------------------------------------------------------------------
    right("linear_forward", "dot-then-bias", """
        def linear_forward(X, W, b):
            out = np.dot(X, W)
            out = out + b
            return out
        """),
    wrong("linear_forward", "bias-as-column", """
        def linear_forward(X, W, b):
            return np.dot(X, W) + b.reshape(-1, 1)
        """, ids=("linear-forward-bias-as-column",)),
    right("mlp_forward", "loop-with-relu-flag", """
        def mlp_forward(X, weights, biases):
            acts = [X]
            h = X
            n_layers = len(weights)
            for i in range(n_layers):
                z = h @ weights[i] + biases[i]
                if i < n_layers - 1:
                    h = np.maximum(0, z)
                else:
                    h = z
                acts.append(h)
            return h, acts
        """),
    wrong("mlp_forward", "relu-everywhere", """
        def mlp_forward(X, weights, biases):
            acts = [X]
            h = X
            for W, b in zip(weights, biases):
                h = np.maximum(0, h @ W + b)
                acts.append(h)
            return h, acts
        """, ids=("mlp-forward-relu-on-output",)),
    wrong("mlp_forward", "activations-without-input", """
        def mlp_forward(X, weights, biases):
            acts = []
            h = X
            for i, (W, b) in enumerate(zip(weights, biases)):
                z = h @ W + b
                h = z if i == len(weights) - 1 else np.maximum(0, z)
                acts.append(h)
            return h, acts
        """, ids=("mlp-forward-activations-miss-input",)),
    right("count_parameters", "loop", """
        def count_parameters(layer_sizes):
            total = 0
            for i in range(len(layer_sizes) - 1):
                total += layer_sizes[i] * layer_sizes[i + 1] + layer_sizes[i + 1]
            return total
        """),
    wrong("count_parameters", "bias-per-unit-including-input", """
        def count_parameters(layer_sizes):
            weights = 0
            for i in range(len(layer_sizes) - 1):
                weights += layer_sizes[i] * layer_sizes[i + 1]
            return weights + sum(layer_sizes)
        """, ids=("count-parameters-input-biases",)),
    right("perceptron_step", "if-else", """
        def perceptron_step(w, b, x, y, lr):
            score = np.dot(w, x) + b
            if score > 0:
                pred = 1
            else:
                pred = 0
            new_w = w + lr * (y - pred) * x
            new_b = b + lr * (y - pred)
            return new_w, new_b
        """),
    wrong("perceptron_step", "predicts-one-at-zero", """
        def perceptron_step(w, b, x, y, lr):
            pred = 1 if np.dot(w, x) + b >= 0 else 0
            return w + lr * (y - pred) * x, b + lr * (y - pred)
        """, ids=("perceptron-predicts-one-at-zero",)),
    wrong("perceptron_step", "updates-w-in-place", """
        def perceptron_step(w, b, x, y, lr):
            pred = 1 if np.dot(w, x) + b > 0 else 0
            w += lr * (y - pred) * x
            b += lr * (y - pred)
            return w, b
        """, ids=("perceptron-modifies-w",), symptoms=(IN_PLACE,)),
    right("mse_loss", "size", """
        def mse_loss(pred, target):
            err = pred - target
            n = err.size
            return np.sum(err ** 2) / n, 2 * err / n
        """),
    wrong("mse_loss", "divides-by-rows", """
        def mse_loss(pred, target):
            err = pred - target
            N = len(pred)
            return np.sum(err ** 2) / N, 2 * err / N
        """, ids=("mse-gradient-divides-by-rows",), symptoms=(FACTOR,)),
    wrong("mse_loss", "gradient-without-2", """
        def mse_loss(pred, target):
            err = pred - target
            return np.mean(np.square(err)), err / err.size
        """, ids=("mse-gradient-missing-factor-2",), symptoms=(FACTOR,)),
    right("bce_with_logits", "logaddexp", """
        def bce_with_logits(logits, targets):
            n = logits.size
            loss = np.sum(np.logaddexp(0, logits) - logits * targets) / n
            e = np.exp(-np.abs(logits))
            p = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            return loss, (p - targets) / n
        """),
    wrong("bce_with_logits", "probabilities-first", """
        def bce_with_logits(logits, targets):
            p = 1 / (1 + np.exp(-logits))
            loss = -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
            grad = (p - targets) / logits.size
            return loss, grad
        """, ids=("bce-logits-through-sigmoid-and-log",), symptoms=(NAN_INF,)),
    wrong("bce_with_logits", "gradient-not-divided", """
        def bce_with_logits(logits, targets):
            e = np.exp(-np.abs(logits))
            loss = np.mean(np.maximum(logits, 0) - logits * targets + np.log1p(e))
            sig = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))
            return loss, sig - targets
        """, ids=("bce-gradient-not-averaged",), symptoms=(FACTOR,)),
    right("cross_entropy", "logsumexp-by-hand", """
        def cross_entropy(logits, labels):
            N = logits.shape[0]
            z = logits - np.max(logits, axis=1, keepdims=True)
            lse = np.log(np.sum(np.exp(z), axis=1, keepdims=True))
            logp = z - lse
            loss = -np.mean(logp[np.arange(N), labels])
            onehot = np.zeros_like(logits)
            onehot[np.arange(N), labels] = 1
            return loss, (np.exp(logp) - onehot) / N
        """),
    wrong("cross_entropy", "no-max-shift", """
        def cross_entropy(logits, labels):
            N = logits.shape[0]
            ex = np.exp(logits)
            probs = ex / ex.sum(axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), labels]))
            probs[np.arange(N), labels] -= 1
            return loss, probs / N
        """, ids=("cross-entropy-naive-softmax",), symptoms=(NAN_INF,)),
    wrong("cross_entropy", "summed-over-batch", """
        def cross_entropy(logits, labels):
            N = logits.shape[0]
            z = logits - np.max(logits, axis=1, keepdims=True)
            logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
            loss = -np.sum(logp[np.arange(N), labels])
            g = np.exp(logp)
            g[np.arange(N), labels] -= 1
            return loss, g
        """, ids=("cross-entropy-summed",), symptoms=(FACTOR,)),

    # --- backpropagation ---------------------------------------------------------------------
    right("linear_backward", "dot", """
        def linear_backward(X, W, grad_out):
            dX = np.dot(grad_out, W.T)
            dW = np.dot(X.T, grad_out)
            db = np.sum(grad_out, axis=0)
            return dX, dW, db
        """),
    wrong("linear_backward", "bias-mean", """
        def linear_backward(X, W, grad_out):
            dX = np.dot(grad_out, W.T)
            dW = np.dot(X.T, grad_out)
            db = np.mean(grad_out, axis=0)
            return dX, dW, db
        """, ids=("linear-backward-bias-averaged",), symptoms=(FACTOR,)),
    wrong("linear_backward", "dW-transposed", """
        def linear_backward(X, W, grad_out):
            return grad_out @ W.T, grad_out.T @ X, grad_out.sum(0)
        """, ids=("linear-backward-weight-gradient-transposed",), symptoms=(r"transpose",)),
    right("two_layer_backward", "step-by-step", """
        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = len(X)
            z1 = X @ W1 + b1
            h = np.maximum(z1, 0)
            z2 = h @ W2 + b2
            loss = np.mean(np.maximum(z2, 0) - z2 * y + np.log1p(np.exp(-np.abs(z2))))
            e = np.exp(-np.abs(z2))
            s = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))
            dz2 = (s - y) / N
            dW2 = h.T @ dz2
            db2 = dz2.sum(axis=0)
            dh = dz2 @ W2.T
            dz1 = dh * (z1 > 0)
            return loss, {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": dW2, "b2": db2}
        """),
    wrong("two_layer_backward", "no-relu-mask", """
        def two_layer_backward(X, y, W1, b1, W2, b2):
            N = len(X)
            z1 = X @ W1 + b1
            h = np.maximum(z1, 0)
            z2 = h @ W2 + b2
            e = np.exp(-np.abs(z2))
            loss = np.mean(np.maximum(z2, 0) - z2 * y + np.log1p(e))
            s = np.where(z2 >= 0, 1 / (1 + e), e / (1 + e))
            dz2 = (s - y) / N
            dz1 = dz2 @ W2.T
            return loss, {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2,
                          "b2": dz2.sum(axis=0)}
        """, ids=("two-layer-relu-mask-missing",)),
    right("numerical_gradient", "copies", """
        def numerical_gradient(f, x, eps=1e-6):
            g = np.zeros_like(x)
            for idx in np.ndindex(x.shape):
                xp = x.copy()
                xm = x.copy()
                xp[idx] += eps
                xm[idx] -= eps
                g[idx] = (f(xp) - f(xm)) / (2 * eps)
            return g
        """),
    wrong("numerical_gradient", "forward-difference", """
        def numerical_gradient(f, x, eps=1e-6):
            g = np.zeros_like(x)
            f0 = f(x)
            for idx in np.ndindex(x.shape):
                old = x[idx]
                x[idx] = old + eps
                g[idx] = (f(x) - f0) / eps
                x[idx] = old
            return g
        """, ids=("numgrad-forward-difference",)),
    wrong("numerical_gradient", "leaves-x-shifted", """
        def numerical_gradient(f, x, eps=1e-6):
            g = np.zeros_like(x)
            for idx in np.ndindex(x.shape):
                x[idx] += eps
                fp = f(x)
                x[idx] -= 2 * eps
                fm = f(x)
                g[idx] = (fp - fm) / (2 * eps)
            return g
        """, ids=("numgrad-x-not-restored",), symptoms=(IN_PLACE,)),
    right("clip_grad_norm", "total-norm", """
        def clip_grad_norm(grads, max_norm):
            total = 0.0
            for g in grads:
                total += float(np.sum(g.astype(np.float64) ** 2))
            norm = total ** 0.5
            if norm > max_norm:
                c = max_norm / (norm + 1e-6)
                return [(g * c).astype(g.dtype) for g in grads], norm
            return [g.copy() for g in grads], norm
        """),
    wrong("clip_grad_norm", "per-array", """
        def clip_grad_norm(grads, max_norm):
            out = []
            total = 0.0
            for g in grads:
                n = np.linalg.norm(g)
                total += n ** 2
                out.append(g * max_norm / (n + 1e-6) if n > max_norm else g.copy())
            return out, float(np.sqrt(total))
        """, ids=("clip-each-tensor-separately",)),
    wrong("clip_grad_norm", "norm-after-clipping", """
        def clip_grad_norm(grads, max_norm):
            norm = float(np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads)))
            if norm > max_norm:
                grads = [(g * (max_norm / (norm + 1e-6))).astype(g.dtype) for g in grads]
                norm = float(np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads)))
            else:
                grads = [g.copy() for g in grads]
            return grads, norm
        """, ids=("clip-returns-norm-after-clipping",)),
    right("he_normal", "rng-normal", """
        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            W = rng.normal(0.0, (2.0 / fan_in) ** 0.5, size=(fan_in, fan_out))
            return W.astype(dtype)
        """),
    wrong("he_normal", "ignores-dtype", """
        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            return rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))
        """, ids=("he-ignores-dtype",), symptoms=(FLOAT64, r"dtype"), issue13=True),
    wrong("he_normal", "xavier-variance", """
        def he_normal(fan_in, fan_out, rng, dtype=np.float64):
            std = np.sqrt(2.0 / (fan_in + fan_out))
            return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)
        """, ids=("he-uses-xavier-variance",)),
    right("xavier_uniform", "limit", """
        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            limit = (6 / (fan_in + fan_out)) ** 0.5
            return rng.uniform(low=-limit, high=limit, size=(fan_in, fan_out)).astype(dtype)
        """),
    wrong("xavier_uniform", "normal-instead-of-uniform", """
        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            std = np.sqrt(2 / (fan_in + fan_out))
            return rng.normal(0, std, size=(fan_in, fan_out)).astype(dtype)
        """, ids=("xavier-normal-not-uniform",), issue13=True),
    wrong("xavier_uniform", "variance-as-bound", """
        def xavier_uniform(fan_in, fan_out, rng, dtype=np.float64):
            a = 2 / (fan_in + fan_out)
            return rng.uniform(-a, a, (fan_in, fan_out)).astype(dtype)
        """, ids=("xavier-variance-as-bound",)),

    # --- activations -------------------------------------------------------------------------
    right("sigmoid", "split-by-sign", """
        def sigmoid(x):
            out = np.empty_like(x)
            pos = x >= 0
            out[pos] = 1 / (1 + np.exp(-x[pos]))
            ex = np.exp(x[~pos])
            out[~pos] = ex / (1 + ex)
            return out
        """),
    wrong("sigmoid", "textbook", """
        def sigmoid(x):
            s = 1.0 / (1.0 + np.exp(-x))
            return s
        """, ids=("sigmoid-overflows",), symptoms=(r"overflow",), issue13=True),
    right("sigmoid_derivative", "stable", """
        def sigmoid_derivative(x):
            e = np.exp(-np.abs(x))
            sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
            return sig * (1 - sig)
        """),
    wrong("sigmoid_derivative", "of-input", """
        def sigmoid_derivative(x):
            return x * (1.0 - x)
        """, ids=("sigmoid-derivative-of-input",)),
    right("tanh_derivative", "square", """
        def tanh_derivative(x):
            return 1 - np.tanh(x) ** 2
        """),
    wrong("tanh_derivative", "forgot-square", """
        def tanh_derivative(x):
            th = np.tanh(x)
            return 1.0 - th
        """, ids=("tanh-derivative-not-squared",)),
    right("relu_derivative", "where-like", """
        def relu_derivative(x):
            return np.where(x > 0, np.ones_like(x), np.zeros_like(x))
        """),
    wrong("relu_derivative", "float64-where", """
        def relu_derivative(x):
            return np.where(x > 0, 1.0, 0.0)
        """, ids=("relu-derivative-float64",), symptoms=(FLOAT64,), issue13=True),
    wrong("relu_derivative", "one-at-zero", """
        def relu_derivative(x):
            d = np.zeros_like(x)
            d[x >= 0] = 1
            return d
        """, ids=("relu-derivative-one-at-zero",)),
    right("leaky_relu_derivative", "ones-like", """
        def leaky_relu_derivative(x, negative_slope=0.01):
            d = np.ones_like(x)
            d[x <= 0] = negative_slope
            return d
        """),
    wrong("leaky_relu_derivative", "slope-one-at-zero", """
        def leaky_relu_derivative(x, negative_slope=0.01):
            d = np.full_like(x, negative_slope)
            d[x >= 0] = 1
            return d
        """, ids=("leaky-derivative-one-at-zero",)),
    right("gelu", "math-sqrt", """
        def gelu(x):
            return x * 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
        """),
    wrong("gelu", "np-sqrt-promotes", """
        def gelu(x):
            return 0.5 * x * (1 + erf(x / np.sqrt(2)))
        """, ids=("gelu-float64-constant",), symptoms=(FLOAT64,), issue13=True),
    wrong("gelu", "tanh-approximation", """
        def gelu(x):
            c = math.sqrt(2 / math.pi)
            return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))
        """, ids=("gelu-tanh-approximation",)),
    right("gelu_derivative", "product-rule", """
        def gelu_derivative(x):
            Phi = 0.5 * (1 + erf(x / math.sqrt(2)))
            phi = np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)
            return Phi + x * phi
        """),
    wrong("gelu_derivative", "only-cdf", """
        def gelu_derivative(x):
            return 0.5 * (1 + erf(x / math.sqrt(2)))
        """, ids=("gelu-derivative-missing-product-rule",)),
    right("softmax", "keepdims", """
        def softmax(x):
            shifted = x - np.max(x, axis=-1, keepdims=True)
            ex = np.exp(shifted)
            return ex / np.sum(ex, axis=-1, keepdims=True)
        """),
    wrong("softmax", "axis-zero", """
        def softmax(x):
            ex = np.exp(x - np.max(x, axis=0, keepdims=True))
            return ex / np.sum(ex, axis=0, keepdims=True)
        """, ids=("softmax-wrong-axis",), symptoms=(AXIS,), issue13=True),
    wrong("softmax", "no-shift", """
        def softmax(x):
            ex = np.exp(x)
            return ex / ex.sum(axis=-1, keepdims=True)
        """, ids=("softmax-no-max-subtraction",), symptoms=(NAN_INF, r"overflow")),

    # --- optimizers --------------------------------------------------------------------------
    right("ema", "list-then-array", """
        def ema(values, beta, bias_correction=False):
            m = 0
            out = []
            for t in range(1, len(values) + 1):
                m = beta * m + (1 - beta) * values[t - 1]
                if bias_correction:
                    out.append(m / (1 - beta ** t))
                else:
                    out.append(m)
            return np.array(out, dtype=np.asarray(values).dtype)
        """),
    wrong("ema", "starts-at-first-value", """
        def ema(values, beta, bias_correction=False):
            m = values[0]
            out = np.zeros_like(values)
            for t in range(len(values)):
                m = beta * m + (1 - beta) * values[t]
                out[t] = m / (1 - beta ** (t + 1)) if bias_correction else m
            return out
        """, ids=("ema-starts-at-first-value",), issue13=True),
    wrong("ema", "t-from-zero", """
        def ema(values, beta, bias_correction=False):
            m = np.zeros_like(values[0])
            out = np.zeros_like(values)
            for t in range(len(values)):
                m = beta * m + (1 - beta) * values[t]
                out[t] = m / (1 - beta ** t) if bias_correction else m
            return out
        """, ids=("ema-correction-counts-from-zero",), symptoms=(OFF_BY_ONE,), issue13=True),
    right("sgd_momentum_step", "new-velocity", """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            v_new = momentum * velocity + grad
            p_new = param - lr * v_new
            return p_new, v_new
        """),
    wrong("sgd_momentum_step", "in-place", """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            velocity *= momentum
            velocity += grad
            param -= lr * velocity
            return param, velocity
        """, ids=("momentum-modifies-inputs",), symptoms=(IN_PLACE,), issue13=True),
    wrong("sgd_momentum_step", "old-velocity-step", """
        def sgd_momentum_step(param, grad, velocity, lr, momentum):
            p_new = param - lr * velocity
            v_new = momentum * velocity + grad
            return p_new, v_new
        """, ids=("momentum-step-before-update",)),
    right("rmsprop_step", "sqrt-plus-eps", """
        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            s = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / (np.sqrt(s) + eps), s
        """),
    wrong("rmsprop_step", "eps-inside", """
        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            s = alpha * square_avg + (1 - alpha) * grad ** 2
            return param - lr * grad / np.sqrt(s + eps), s
        """, ids=("rmsprop-eps-inside-sqrt",), issue13=True),
    wrong("rmsprop_step", "state-in-place", """
        def rmsprop_step(param, grad, square_avg, lr, alpha=0.99, eps=1e-8):
            square_avg *= alpha
            square_avg += (1 - alpha) * grad * grad
            new_param = param - lr * grad / (np.sqrt(square_avg) + eps)
            return new_param, square_avg
        """, symptoms=(IN_PLACE,), issue13=True),
    right("adam_step", "hats", """
        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m_new = beta1 * m + (1 - beta1) * grad
            v_new = beta2 * v + (1 - beta2) * grad ** 2
            mhat = m_new / (1 - beta1 ** t)
            vhat = v_new / (1 - beta2 ** t)
            return param - lr * mhat / (np.sqrt(vhat) + eps), m_new, v_new
        """),
    wrong("adam_step", "eps-inside", """
        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m_new = beta1 * m + (1 - beta1) * grad
            v_new = beta2 * v + (1 - beta2) * grad ** 2
            mhat = m_new / (1 - beta1 ** t)
            vhat = v_new / (1 - beta2 ** t)
            return param - lr * mhat / np.sqrt(vhat + eps), m_new, v_new
        """, ids=("adam-eps-inside-sqrt",), issue13=True),
    wrong("adam_step", "t-plus-one", """
        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m_new = beta1 * m + (1 - beta1) * grad
            v_new = beta2 * v + (1 - beta2) * grad ** 2
            step = t + 1
            mhat = m_new / (1 - beta1 ** step)
            vhat = v_new / (1 - beta2 ** step)
            return param - lr * mhat / (np.sqrt(vhat) + eps), m_new, v_new
        """, symptoms=(OFF_BY_ONE,), issue13=True),
    wrong("adam_step", "no-correction", """
        def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * (grad * grad)
            update = lr * m / (np.sqrt(v) + eps)
            return param - update, m, v
        """, ids=("adam-no-bias-correction",)),
    right("adamw_step", "decay-first", """
        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            p = param - lr * weight_decay * param
            m_new = beta1 * m + (1 - beta1) * grad
            v_new = beta2 * v + (1 - beta2) * grad ** 2
            mhat = m_new / (1 - beta1 ** t)
            vhat = v_new / (1 - beta2 ** t)
            return p - lr * mhat / (np.sqrt(vhat) + eps), m_new, v_new
        """),
    wrong("adamw_step", "np-power-promotes", """
        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            param = param * (1 - lr * weight_decay)
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad ** 2
            mhat = m / (1 - np.power(beta1, t))
            vhat = v / (1 - np.power(beta2, t))
            return param - lr * mhat / (np.sqrt(vhat) + eps), m, v
        """, symptoms=(FLOAT64,), issue13=True),
    wrong("adamw_step", "l2-into-gradient", """
        def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                       weight_decay=1e-2):
            g = grad + weight_decay * param
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g ** 2
            mhat = m / (1 - beta1 ** t)
            vhat = v / (1 - beta2 ** t)
            return param - lr * mhat / (np.sqrt(vhat) + eps), m, v
        """, ids=("adamw-l2-in-gradient",)),

    # --- regularization ----------------------------------------------------------------------
    right("l2_penalty", "loop", """
        def l2_penalty(weights, strength):
            total = 0.0
            grads = []
            for w in weights:
                total += np.sum(w ** 2)
                grads.append(strength * w)
            return strength / 2 * total, grads
        """),
    wrong("l2_penalty", "penalty-without-half", """
        def l2_penalty(weights, strength):
            total = 0.0
            grads = []
            for w in weights:
                total += np.sum(w ** 2)
                grads.append(strength * w)
            return strength * total, grads
        """, ids=("l2-missing-half",), symptoms=(FACTOR,), issue13=True),
    right("l1_penalty", "loop", """
        def l1_penalty(weights, strength):
            value = 0.0
            grads = []
            for w in weights:
                value += np.abs(w).sum()
                grads.append(strength * np.sign(w))
            return strength * value, grads
        """),
    wrong("l1_penalty", "mean", """
        def l1_penalty(weights, strength):
            value = strength * sum(np.mean(np.abs(w)) for w in weights)
            grads = [strength * np.sign(w) for w in weights]
            return value, grads
        """, ids=("l1-mean-instead-of-sum",), symptoms=(FACTOR, r"mean"), issue13=True),
    right("Dropout", "mask-attribute", """
        class Dropout:
            def __init__(self, p, rng):
                self.p = p
                self.rng = rng
                self.mask = None

            def forward(self, x, training=True):
                if training:
                    keep = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
                    self.mask = keep / x.dtype.type(1 - self.p)
                    return x * self.mask
                return x

            def backward(self, grad_out):
                return grad_out * self.mask
        """),
    wrong("Dropout", "float64-mask", """
        class Dropout:
            def __init__(self, p, rng):
                self.p = p
                self.rng = rng
                self.mask = None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = (self.rng.random(x.shape) > self.p) / (1 - self.p)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """, ids=("dropout-float64-mask",), symptoms=(FLOAT64,), issue13=True),
    wrong("Dropout", "keep-probability", """
        class Dropout:
            def __init__(self, p, rng):
                self.p = p
                self.rng = rng
                self.mask = None

            def forward(self, x, training=True):
                if not training:
                    return x
                keep = self.rng.random(x.shape) < self.p
                self.mask = keep.astype(x.dtype) / x.dtype.type(self.p)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """, ids=("dropout-p-as-keep-probability",)),
    wrong("Dropout", "no-scale", """
        class Dropout:
            def __init__(self, p, rng):
                self.p = p
                self.rng = rng
                self.mask = None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """, ids=("dropout-no-scaling",), symptoms=(FACTOR,)),
    right("batchnorm_forward", "branches", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                              eps=1e-5):
            if training:
                N = x.shape[0]
                mu = np.mean(x, axis=0)
                var = np.mean((x - mu) ** 2, axis=0)
                x_hat = (x - mu) / np.sqrt(var + eps)
                new_mean = (1 - momentum) * running_mean + momentum * mu
                new_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)
                return gamma * x_hat + beta, new_mean, new_var
            x_hat = (x - running_mean) / np.sqrt(running_var + eps)
            return gamma * x_hat + beta, running_mean, running_var
        """),
    wrong("batchnorm_forward", "eval-batch-variance", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                              eps=1e-5):
            var = x.var(axis=0)
            if training:
                N = x.shape[0]
                mu = x.mean(axis=0)
                out = gamma * (x - mu) / np.sqrt(var + eps) + beta
                new_mean = (1 - momentum) * running_mean + momentum * mu
                new_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)
                return out, new_mean, new_var
            out = gamma * (x - running_mean) / np.sqrt(var + eps) + beta
            return out, running_mean, running_var
        """, ids=("batchnorm-eval-batch-variance",), symptoms=(MODE,), issue13=True),
    wrong("batchnorm_forward", "momentum-old-and-biased", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                              eps=1e-5):
            if training:
                mu = x.mean(axis=0)
                var = x.var(axis=0)
                out = gamma * (x - mu) / np.sqrt(var + eps) + beta
                rm = momentum * running_mean + (1 - momentum) * mu
                rv = momentum * running_var + (1 - momentum) * var
                return out, rm, rv
            out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
            return out, running_mean, running_var
        """, ids=("batchnorm-momentum-old-and-biased-variance",), issue13=True),
    wrong("batchnorm_forward", "momentum-old", """
        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1,
                              eps=1e-5):
            if training:
                n = len(x)
                mu = x.mean(axis=0)
                var = x.var(axis=0)
                out = gamma * (x - mu) / np.sqrt(var + eps) + beta
                rm = momentum * running_mean + (1 - momentum) * mu
                rv = momentum * running_var + (1 - momentum) * var * n / (n - 1)
                return out, rm, rv
            out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
            return out, running_mean, running_var
        """, ids=("batchnorm-momentum-weights-old",), issue13=True),
    right("batchnorm_backward", "by-formula", """
        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            N = x.shape[0]
            mu = x.mean(axis=0)
            var = x.var(axis=0)
            std = np.sqrt(var + eps)
            xhat = (x - mu) / std
            dgamma = (grad_out * xhat).sum(axis=0)
            dbeta = grad_out.sum(axis=0)
            gh = grad_out * gamma
            dx = (N * gh - gh.sum(axis=0) - xhat * (gh * xhat).sum(axis=0)) / (N * std)
            return dx, dgamma, dbeta
        """),
    wrong("batchnorm_backward", "sums-over-features", """
        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            N = x.shape[0]
            mu = x.mean(axis=0)
            std = np.sqrt(x.var(axis=0) + eps)
            xhat = (x - mu) / std
            dgamma = (grad_out * xhat).sum(axis=0)
            dbeta = grad_out.sum(axis=0)
            gh = grad_out * gamma
            dx = (N * gh - gh.sum(axis=1, keepdims=True)
                  - xhat * (gh * xhat).sum(axis=1, keepdims=True)) / (N * std)
            return dx, dgamma, dbeta
        """, ids=("batchnorm-backward-wrong-axis",), symptoms=(AXIS,), issue13=True),
    wrong("batchnorm_backward", "treats-stats-as-constants", """
        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            std = np.sqrt(x.var(axis=0) + eps)
            xhat = (x - x.mean(axis=0)) / std
            return grad_out * gamma / std, (grad_out * xhat).sum(axis=0), grad_out.sum(axis=0)
        """, ids=("batchnorm-backward-ignores-batch-statistics",)),
    right("EarlyStopping", "counter", """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience = patience
                self.min_delta = min_delta
                self.best = float("inf")
                self.wait = 0
                self.best_weights = None

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best = value
                    self.best_weights = [np.array(w, copy=True) for w in weights]
                    self.wait = 0
                else:
                    self.wait = self.wait + 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is None:
                    return
                for i in range(len(weights)):
                    weights[i][...] = self.best_weights[i]
        """),
    wrong("EarlyStopping", "restore-rebinds", """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience = patience
                self.min_delta = min_delta
                self.best = float("inf")
                self.wait = 0
                self.best_weights = None

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best = value
                    self.best_weights = [w.copy() for w in weights]
                    self.wait = 0
                else:
                    self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for i in range(len(weights)):
                        weights[i] = self.best_weights[i]
        """, ids=("early-stopping-restore-rebinds",), symptoms=(IN_PLACE, r"into the (caller's )?arrays"),
        issue13=True),
    wrong("EarlyStopping", "ignores-min-delta", """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience = patience
                self.min_delta = min_delta
                self.best = float("inf")
                self.wait = 0
                self.best_weights = None

            def update(self, value, weights):
                if value < self.best:
                    self.best = value
                    self.best_weights = [w.copy() for w in weights]
                    self.wait = 0
                    return False
                self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, b in zip(weights, self.best_weights):
                        w[...] = b
        """, ids=("early-stopping-ignores-min-delta",)),
    wrong("EarlyStopping", "stops-late", """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience = patience
                self.min_delta = min_delta
                self.best = float("inf")
                self.wait = 0
                self.best_weights = None

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best = value
                    self.best_weights = [w.copy() for w in weights]
                    self.wait = 0
                    return False
                self.wait += 1
                return self.wait > self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, b in zip(weights, self.best_weights):
                        np.copyto(w, b)
        """, ids=("early-stopping-patience-off-by-one",), symptoms=(OFF_BY_ONE,)),

    # --- interview ---------------------------------------------------------------------------
    right("predict", "save-mode", """
        def predict(model, X):
            mode = model.training
            model.eval()
            out = model(X)
            model.train(mode)
            return out
        """),
    wrong("predict", "always-back-to-training", """
        def predict(model, X):
            model.eval()
            out = model(X)
            model.train()
            return out
        """, ids=("predict-always-back-to-training",)),
    wrong("predict", "no-eval", """
        def predict(model, X):
            y = model(X)
            return y
        """, ids=("predict-in-training-mode",), symptoms=(MODE,)),
    right("xor_network", "two-units", """
        def xor_network():
            W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
            b1 = np.array([-0.5, -1.5])
            W2 = np.array([[2.0], [-6.0]])
            b2 = np.array([0.0])
            return W1, b1, W2, b2
        """),
    wrong("xor_network", "or-gate", """
        def xor_network():
            W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
            b1 = np.array([0.0, -1.0])
            W2 = np.array([[1.0], [-1.0]])
            b2 = np.array([0.0])
            return W1, b1, W2, b2
        """, ids=("xor-network-computes-or",)),
    right("adam_first_step_ratio", "sqrt", """
        def adam_first_step_ratio(beta1, beta2):
            m1 = 1 - beta1
            v1 = 1 - beta2
            return m1 / v1 ** 0.5
        """),
    wrong("adam_first_step_ratio", "inverted", """
        def adam_first_step_ratio(beta1, beta2):
            return math.sqrt(1 - beta2) / (1 - beta1)
        """, ids=("adam-ratio-inverted",), symptoms=(r"inverse|upside down|reciprocal",)),
]
