"""Known mistakes in the regularization assignment."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "regularization"

MISTAKES = [
    mistake(
        "l2-missing-half", A, "l2_penalty",
        "Uses lambda * sum(w^2) (no 1/2), so value and gradient are twice too large.",
        "Your penalty and gradient are twice the expected ones: the L2 penalty is "
        "(lambda / 2) * sum(w^2), whose gradient is lambda * w.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = strength * sum(np.sum(w ** 2) for w in weights)
            return value, [2 * strength * w for w in weights]
        """,
        fails=("value", "gradient"),
    ),
    mistake(
        "l1-gradient-sign-flipped", A, "l1_penalty",
        "Returns -lambda * sign(w), which pushes the weights away from zero.",
        "Your L1 gradient has the wrong sign: it is +lambda * sign(w), so that the descent "
        "step (which subtracts it) pulls every weight towards zero.",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.sum(np.abs(w)) for w in weights)
            return value, [-strength * np.sign(w) for w in weights]
        """,
        fails=("gradient",),
    ),
    mistake(
        "l1-gradient-like-l2", A, "l1_penalty",
        "Returns lambda * w, the L2 gradient, for the L1 penalty.",
        "Your L1 gradient is proportional to the weights (lambda * w, L2's). The derivative of "
        "|w| is sign(w): a constant pull of size lambda, which is what makes L1 produce exact "
        "zeros.",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.sum(np.abs(w)) for w in weights)
            return value, [strength * w for w in weights]
        """,
        fails=("gradient",),
    ),
    mistake(
        "dropout-no-scaling", A, "Dropout",
        "Zeroes entries with probability p but does not scale the kept ones by 1 / (1 - p).",
        "Your kept activations are not scaled: with inverted dropout, divide the kept entries "
        "by 1 - p during training, so that the expected activation is unchanged and evaluation "
        "needs no change at all.",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """,
        fails=("forward",),
        seed_pitfall=True,
    ),
    mistake(
        "dropout-new-mask-in-backward", A, "Dropout",
        "Draws a fresh random mask in backward instead of reusing the one from forward.",
        "Your backward pass zeroes different entries than the forward pass did: keep the mask "
        "(already scaled by 1 / (1 - p)) from forward and multiply grad_out by that same mask.",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng = p, rng

            def forward(self, x, training=True):
                if not training:
                    return x
                keep = self.rng.random(x.shape) >= self.p
                return x * keep / (1 - self.p)

            def backward(self, grad_out):
                keep = self.rng.random(grad_out.shape) >= self.p
                return grad_out * keep / (1 - self.p)
        """,
        fails=("backward",),
    ),
    mistake(
        "dropout-p-as-keep-probability", A, "Dropout",
        "Treats p as the probability of keeping an entry instead of dropping it.",
        "Your layer drops a fraction 1 - p of the entries: in this course (as in PyTorch) p is "
        "the probability of dropping an entry, so keep each with probability 1 - p.",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = ((self.rng.random(x.shape) < self.p) / self.p).astype(x.dtype)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """,
        fails=("forward", "backward"),
    ),
    mistake(
        "dropout-active-in-evaluation", A, "Dropout",
        "Ignores the training flag and drops entries in evaluation mode too.",
        "Your layer still drops entries when training=False: in evaluation, inverted dropout is "
        "the identity (return x unchanged), so predictions are deterministic.",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                self.mask = ((self.rng.random(x.shape) >= self.p) / (1 - self.p)).astype(x.dtype)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """,
        fails=("eval",),
    ),
    mistake(
        "batchnorm-batch-statistics-at-inference", A, "batchnorm_forward",
        "Ignores the training flag: normalizes with the batch's statistics (and updates the "
        "running ones) in evaluation mode too.",
        "In evaluation mode your output depends on the rest of the batch: at inference, batch "
        "norm must use the running mean and variance (and leave them unchanged), not the "
        "batch's own statistics.",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            unbiased = var * n / (n - 1) if n > 1 else var
            running_mean = (1 - momentum) * running_mean + momentum * mean
            running_var = (1 - momentum) * running_var + momentum * unbiased
            out = gamma * (x - mean) / np.sqrt(var + eps) + beta
            return out, running_mean, running_var
        """,
        fails=("running_stats", "eval_output"),
        seed_pitfall=True,
    ),
    mistake(
        "batchnorm-momentum-weights-old", A, "batchnorm_forward",
        "Updates the running statistics with momentum weighting the old value (the syllabus's "
        "0.9 convention) while this exercise's momentum = 0.1 weights the new batch.",
        "Your running statistics barely move: in this course (and PyTorch) momentum weights the "
        "new batch statistic, running = (1 - momentum) * running + momentum * batch_stat. The "
        "syllabus's 0.9 weights the old value instead.",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            if training:
                n = x.shape[0]
                mean, var = x.mean(axis=0), x.var(axis=0)
                running_mean = momentum * running_mean + (1 - momentum) * mean
                running_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
            return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
        """,
        fails=("running_stats",),
    ),
    mistake(
        "batchnorm-running-variance-biased", A, "batchnorm_forward",
        "Updates the running variance with the biased batch variance (divided by N) instead of "
        "the unbiased one (divided by N - 1).",
        "Your running variance is slightly too small: the batch variance used for normalizing "
        "divides by N, but the running estimate (as in PyTorch) uses the unbiased variance, "
        "var * N / (N - 1).",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            if training:
                mean, var = x.mean(axis=0), x.var(axis=0)
                running_mean = (1 - momentum) * running_mean + momentum * mean
                running_var = (1 - momentum) * running_var + momentum * var
            else:
                mean, var = running_mean, running_var
            return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
        """,
        fails=("running_stats",),
    ),
    mistake(
        "batchnorm-backward-ignores-batch-statistics", A, "batchnorm_backward",
        "Backpropagates as if the mean and variance were constants (grad_out * gamma / std), "
        "the evaluation-mode formula.",
        "Your input gradient treats the batch mean and variance as constants, but in training "
        "mode they depend on every x: dx = (gamma / (N std)) (N g - sum(g) - x_hat sum(g x_hat)).",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            mean, var = x.mean(axis=0), x.var(axis=0)
            x_hat = (x - mean) / np.sqrt(var + eps)
            grad_x = grad_out * gamma / np.sqrt(var + eps)
            return grad_x, np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("grad_x",),
    ),
    mistake(
        "batchnorm-backward-parameter-gradients-averaged", A, "batchnorm_backward",
        "Averages the parameter gradients over the batch instead of summing them.",
        "Your gradients of gamma and beta are N times too small: sum over the batch, "
        "dgamma = sum(grad_out * x_hat), dbeta = sum(grad_out).",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / n * (n * g - g.sum(axis=0) - x_hat * np.sum(g * x_hat, axis=0))
            return grad_x, np.mean(grad_out * x_hat, axis=0), grad_out.mean(axis=0)
        """,
        fails=("param_grads",),
    ),
    mistake(
        "early-stopping-no-restore", A, "EarlyStopping",
        "Stops at the right time but restore() does nothing, so the model keeps the last "
        "epoch's weights.",
        "After restore() the weights are the last epoch's, not the best epoch's: save a copy of "
        "the weights whenever the validation loss improves, and copy them back in restore().",
        """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best, self.wait = float("inf"), 0

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best, self.wait = value, 0
                    return False
                self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                pass
        """,
        fails=("restore",),
    ),
    mistake(
        "early-stopping-saves-references", A, "EarlyStopping",
        "Saves the weight arrays themselves instead of copies, so the \"best\" weights change "
        "with every training step.",
        "After restore() the weights are the last epoch's: you saved references to the arrays, "
        "which training keeps changing in place. Save copies, [w.copy() for w in weights], and "
        "copy them back with w[...] = best.",
        """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best, self.wait, self.best_weights = float("inf"), 0, None

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best, self.wait = value, 0
                    self.best_weights = list(weights)
                    return False
                self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, best in zip(weights, self.best_weights):
                        w[...] = best
        """,
        fails=("restore",),
    ),
    mistake(
        "early-stopping-patience-off-by-one", A, "EarlyStopping",
        "Stops after patience + 1 epochs without improvement instead of patience.",
        "You stop one epoch late: stop as soon as the number of epochs without improvement "
        "reaches patience (wait >= patience), not when it exceeds it.",
        """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best, self.wait, self.best_weights = float("inf"), 0, None

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best, self.wait = value, 0
                    self.best_weights = [w.copy() for w in weights]
                    return False
                self.wait += 1
                return self.wait > self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, best in zip(weights, self.best_weights):
                        w[...] = best
        """,
        fails=("stop",),
    ),
]
