"""Known mistakes in the regularization assignment."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "regularization"

MISTAKES = [
    mistake(
        "l2-missing-half", A, "l2_penalty",
        "Uses lambda * sum(w^2) for the penalty (no 1/2), so the value is twice too large; the "
        "gradient lambda * w is right.",
        "Your penalty is twice the expected value: the L2 penalty is (lambda / 2) * sum(w^2). "
        "The 1/2 is what makes its gradient exactly lambda * w (SGD's weight_decay).",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = strength * sum(np.sum(w ** 2) for w in weights)
            return value, [strength * w for w in weights]
        """,
        fails=("value",),
        shows=("constant-factor",),  # 2
    ),
    mistake(
        "l2-gradient-doubled", A, "l2_penalty",
        "Returns 2 * lambda * w as the gradient, the derivative of lambda * sum(w^2) rather than "
        "of the (lambda / 2) * sum(w^2) it computes.",
        "Your gradient is twice the expected one: the derivative of (lambda / 2) * w^2 is "
        "lambda * w; the 2 of the square cancels the 1/2.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = 0.5 * strength * sum(np.sum(w ** 2) for w in weights)
            return value, [2 * strength * w for w in weights]
        """,
        fails=("gradient",),
        shows=("constant-factor",),  # 2
    ),
    mistake(
        "l2-mean-instead-of-sum", A, "l2_penalty",
        "Averages w^2 over each array (np.mean) instead of summing it.",
        "Your penalty is too small by the number of weights in each array: the L2 penalty is "
        "(lambda / 2) * sum(w^2), a sum over every weight of every array (np.sum, not "
        "np.mean), which is what makes its gradient lambda * w for each weight.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = 0.5 * strength * sum(np.mean(w ** 2) for w in weights)
            return value, [strength * w for w in weights]
        """,
        fails=("value",),
    ),
    mistake(
        "l2-norm-not-squared", A, "l2_penalty",
        "Uses the norm of each array, np.linalg.norm(w), where its square sum(w^2) is asked.",
        "Your penalty uses the norm of each array, sqrt(sum(w^2)), without squaring it: the L2 "
        "penalty is (lambda / 2) * sum(w^2), the squared norm (np.sum(w ** 2), or "
        "np.linalg.norm(w) ** 2).",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = 0.5 * strength * sum(np.linalg.norm(w) for w in weights)
            return value, [strength * w for w in weights]
        """,
        fails=("value",),
    ),
    mistake(
        "l2-value-only-last-array", A, "l2_penalty",
        "Assigns the penalty in a loop over the arrays (value = ...) instead of adding to it, "
        "so only the last array counts.",
        "Your penalty counts only one of the weight arrays (the last): in your loop over the "
        "arrays, add each array's share to the total, value += 0.5 * strength * np.sum(w ** 2), "
        "instead of assigning it.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value, grads = 0.0, []
            for w in weights:
                value = 0.5 * strength * np.sum(w ** 2)
                grads.append(strength * w)
            return value, grads
        """,
        fails=("value",),
    ),
    mistake(
        "l2-gradient-missing-strength", A, "l2_penalty",
        "Returns w as the gradient, forgetting the factor lambda.",
        "Your gradient is the weights themselves: the penalty is multiplied by lambda "
        "(strength), and so is its gradient, lambda * w.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = 0.5 * strength * sum(np.sum(w ** 2) for w in weights)
            return value, [w for w in weights]
        """,
        fails=("gradient",),
    ),
    mistake(
        "l2-value-missing-strength", A, "l2_penalty",
        "Leaves the strength out of the penalty's value, 0.5 * sum(w^2), while the gradient "
        "strength * w has it.",
        "Your penalty's value leaves out the strength (a strength of 0 should give 0): the L2 "
        "penalty is (strength / 2) * sum(w^2), multiplied by strength like its gradient, "
        "strength * w.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = 0.5 * sum(np.sum(w ** 2) for w in weights)
            return value, [strength * w for w in weights]
        """,
        fails=("value",),
    ),
    mistake(
        "l2-square-of-sum", A, "l2_penalty",
        "Squares the sum of each array, np.sum(w) ** 2, instead of summing the squares, "
        "np.sum(w ** 2).",
        "Your penalty squares the sum of each array's weights, (sum w)^2, in which positive "
        "and negative weights cancel: the L2 penalty sums the squares, (strength / 2) * "
        "sum(w^2). Square first, np.sum(w ** 2), not np.sum(w) ** 2.",
        """
        import numpy as np

        def l2_penalty(weights, strength):
            value = 0.5 * strength * sum(np.sum(w) ** 2 for w in weights)
            return value, [strength * w for w in weights]
        """,
        fails=("value",),
    ),
    mistake(
        "l1-mean-instead-of-sum", A, "l1_penalty",
        "Averages |w| over each array (np.mean) instead of summing it.",
        "Your penalty is too small by the number of weights in each array: the L1 penalty is "
        "lambda * sum(|w|), a sum over every weight (np.sum, not np.mean), like the gradient "
        "lambda * sign(w), which is per weight.",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.mean(np.abs(w)) for w in weights)
            return value, [strength * np.sign(w) for w in weights]
        """,
        fails=("value",),
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
        shows=("sign-flipped",),
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
        "l1-gradient-one-at-zero", A, "l1_penalty",
        "Takes the sign as +1 where w = 0 (np.where(w >= 0, 1, -1)) instead of 0.",
        "Your gradient is +lambda where a weight is exactly 0: the task takes the gradient of "
        "|w| at 0 to be 0, as np.sign does, so use strength * np.sign(w) (np.where(w >= 0, 1, "
        "-1) gives 1 at 0).",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.sum(np.abs(w)) for w in weights)
            return value, [strength * np.where(w >= 0, 1, -1) for w in weights]
        """,
        fails=("gradient",),
        shows=("float64",),
    ),
    mistake(
        "l1-gradient-minus-one-at-zero", A, "l1_penalty",
        "Takes the sign as -1 where w = 0 (np.where(w > 0, 1, -1)) instead of 0.",
        "Your gradient is -lambda where a weight is exactly 0: the task takes the gradient of "
        "|w| at 0 to be 0, as np.sign does, so use strength * np.sign(w) (np.where(w > 0, 1, "
        "-1) gives -1 at 0).",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.sum(np.abs(w)) for w in weights)
            return value, [strength * np.where(w > 0, 1, -1) for w in weights]
        """,
        fails=("gradient",),
        shows=("float64",),
    ),
    mistake(
        "l1-value-without-abs", A, "l1_penalty",
        "Sums the weights themselves instead of their absolute values.",
        "Your penalty sums the weights themselves, so negative weights lower it: the L1 "
        "penalty is lambda * sum(|w|), with np.abs(w).",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.sum(w) for w in weights)
            return value, [strength * np.sign(w) for w in weights]
        """,
        fails=("value",),
    ),
    mistake(
        "l1-gradient-missing-strength", A, "l1_penalty",
        "Returns sign(w) as the gradient, forgetting the factor lambda.",
        "Your gradient is sign(w) without the strength: the penalty is multiplied by lambda "
        "(strength), and so is its gradient, strength * np.sign(w).",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.sum(np.abs(w)) for w in weights)
            return value, [np.sign(w) for w in weights]
        """,
        fails=("gradient",),
    ),
    mistake(
        "l1-matrix-norm", A, "l1_penalty",
        "Uses np.linalg.norm(w, 1), which for a matrix is the largest column sum of |w| (a "
        "matrix norm), instead of the sum of |w| over every weight.",
        "Your penalty uses np.linalg.norm(w, 1): for a matrix that is the largest column sum "
        "of |w|, not the sum over every weight. The L1 penalty is strength * sum(|w|), with "
        "np.sum(np.abs(w)) for each array.",
        """
        import numpy as np

        def l1_penalty(weights, strength):
            value = strength * sum(np.linalg.norm(w, 1) for w in weights)
            return value, [strength * np.sign(w) for w in weights]
        """,
        fails=("value",),
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
        shows=("constant-factor",),  # 1 - p
        seed_pitfall=True,
    ),
    mistake(
        "dropout-float64-mask", A, "Dropout",
        "Builds the mask as a float64 array (a boolean divided by 1 - p), which promotes "
        "float32 inputs to float64.",
        "Your output is float64 for a float32 input: the mask (keep / (1 - p)) is a float64 "
        "array and promotes x. Make it in x's dtype, (keep / (1 - p)).astype(x.dtype).",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = (self.rng.random(x.shape) >= self.p) / (1 - self.p)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """,
        fails=("forward",),
        shows=("float64",),
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
        shows=("only-zero-argument", "dropout-keep-probability", "nan-inf"),  # p = 0: 0 / 0
    ),
    mistake(
        "dropout-backward-unscaled", A, "Dropout",
        "Keeps the 0/1 mask for backward and scales only the forward output by 1 / (1 - p), so "
        "the gradient of the kept entries lacks the scale.",
        "Your backward pass zeroes the right entries but does not scale the others as forward "
        "did: forward multiplies the kept entries by 1 / (1 - p), so backward must multiply "
        "grad_out by that same scaled mask. Store the mask already scaled, "
        "keep / (1 - p), and use it in both passes.",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
                return x * self.mask / (1 - self.p)

            def backward(self, grad_out):
                return grad_out * self.mask
        """,
        fails=("backward",),
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
        "dropout-backward-divides-by-p", A, "Dropout",
        "Keeps the 0/1 mask and divides the gradient by p in backward, where forward divided "
        "the kept entries by 1 - p.",
        "Your backward pass zeroes the right entries but scales the others by 1 / p, where "
        "forward scaled them by 1 / (1 - p): p is the probability of dropping, and the kept "
        "entries are divided by the probability of keeping, 1 - p, in both passes. Store the "
        "mask already scaled, keep / (1 - p), and use it in both.",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = (self.rng.random(x.shape) >= self.p).astype(x.dtype)
                return x * self.mask / (1 - self.p)

            def backward(self, grad_out):
                return grad_out * self.mask / self.p
        """,
        fails=("backward",),
    ),
    mistake(
        "dropout-keep-mask-below-p", A, "Dropout",
        "Keeps the entries where rng.random(shape) < p (probability p) while scaling them by "
        "1 / (1 - p), so it drops a fraction 1 - p.",
        "Your layer drops a fraction 1 - p of the entries: rng.random(shape) < p (like "
        "rng.binomial(1, p, shape)) is True with probability p, which makes it the mask of "
        "entries to drop. Keep the entries where rng.random(x.shape) >= p, with probability "
        "1 - p, and scale them by 1 / (1 - p).",
        """
        import numpy as np

        class Dropout:
            def __init__(self, p, rng):
                self.p, self.rng, self.mask = p, rng, None

            def forward(self, x, training=True):
                if not training:
                    return x
                self.mask = ((self.rng.random(x.shape) < self.p) / (1 - self.p)).astype(x.dtype)
                return x * self.mask

            def backward(self, grad_out):
                return grad_out * self.mask
        """,
        fails=("forward",),
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
        shows=("only-one-flag-value", "mode-batch-statistics-in-eval",),
        seed_pitfall=True,
    ),
    mistake(
        "batchnorm-momentum-weights-old", A, "batchnorm_forward",
        "Updates the running statistics with momentum weighting the old value (Keras's "
        "convention, momentum = 0.9 for the old value) while this exercise's momentum = 0.1 "
        "weights the new batch.",
        "Your running statistics jump almost all the way to the last batch's: with momentum = "
        "0.1 you kept only 10% of the old estimate. In this course (as in nnlib and PyTorch) "
        "momentum weights the new batch statistic, running = (1 - momentum) * running + "
        "momentum * batch_stat, so 90% of the old estimate stays (Keras's momentum weights the "
        "old value instead; see the chapter's note on the momentum convention).",
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
        shows=("momentum-weights-old",),
    ),
    mistake(
        "batchnorm-momentum-old-and-biased-variance", A, "batchnorm_forward",
        "Two convention slips together: momentum weights the old running value, and the "
        "running variance is updated with the biased batch variance (divided by N).",
        "Your running statistics jump almost all the way to the last batch's, and your running "
        "variance is a little small besides: momentum weights the new batch statistic, running "
        "= (1 - momentum) * running + momentum * batch_stat, and the running variance uses the "
        "unbiased batch variance, var * N / (N - 1) (both as in nnlib and PyTorch).",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            if training:
                mean, var = x.mean(axis=0), x.var(axis=0)
                running_mean = momentum * running_mean + (1 - momentum) * mean
                running_var = momentum * running_var + (1 - momentum) * var
            else:
                mean, var = running_mean, running_var
            return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
        """,
        fails=("running_stats",),
    ),
    mistake(
        "batchnorm-eval-batch-variance", A, "batchnorm_forward",
        "In evaluation mode, normalizes with the running mean but the batch's own variance.",
        "In evaluation mode your output still depends on the rest of the batch: you used the "
        "running mean but the batch's variance. At inference use both running statistics, "
        "(x - running_mean) / sqrt(running_var + eps).",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            if training:
                running_mean = (1 - momentum) * running_mean + momentum * mean
                running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean = running_mean
            return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
        """,
        fails=("eval_output",),
        shows=("mode-batch-variance-in-eval",),
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
        "batchnorm-forward-no-eps", A, "batchnorm_forward",
        "Normalizes with sqrt(var) instead of sqrt(var + eps).",
        "Your output divides by sqrt(var) without epsilon: normalize with "
        "(x - mean) / sqrt(var + eps), in both modes. Without it, a feature that is constant "
        "over the batch divides 0 by 0 (nan), and the outputs are slightly off everywhere.",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            if training:
                n = x.shape[0]
                mean, var = x.mean(axis=0), x.var(axis=0)
                running_mean = (1 - momentum) * running_mean + momentum * mean
                running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
            return gamma * (x - mean) / np.sqrt(var) + beta, running_mean, running_var
        """,
        fails=("training_output", "eval_output"),
        shows=("nan-inf",),  # 0 / 0 for a feature constant over the batch (grading's case)
    ),
    mistake(
        "batchnorm-eps-outside-sqrt", A, "batchnorm_forward",
        "Normalizes with sqrt(var) + eps instead of sqrt(var + eps).",
        "Your outputs are slightly off in both modes: epsilon goes inside the square root, "
        "(x - mean) / sqrt(var + eps), as in nnlib and PyTorch, not sqrt(var) + eps.",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            if training:
                n = x.shape[0]
                mean, var = x.mean(axis=0), x.var(axis=0)
                running_mean = (1 - momentum) * running_mean + momentum * mean
                running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
            else:
                mean, var = running_mean, running_var
            return gamma * (x - mean) / (np.sqrt(var) + eps) + beta, running_mean, running_var
        """,
        fails=("training_output", "eval_output"),
    ),
    mistake(
        "batchnorm-unbiased-variance-normalizes", A, "batchnorm_forward",
        "Computes the batch variance with ddof=1 (divided by N - 1) and normalizes the batch "
        "with it; the running variance, updated with that unbiased variance, is right.",
        "Your running statistics are right but your training-mode output is not: you "
        "normalized with the unbiased variance (ddof=1, divided by N - 1). Batch norm "
        "normalizes the batch with its biased variance, x.var(axis=0) (divided by N); only the "
        "running variance is updated with the unbiased one, var * N / (N - 1).",
        """
        import numpy as np

        def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                              momentum=0.1, eps=1e-5):
            if training:
                mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
                running_mean = (1 - momentum) * running_mean + momentum * mean
                running_var = (1 - momentum) * running_var + momentum * var
            else:
                mean, var = running_mean, running_var
            return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var
        """,
        fails=("training_output",),
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
        "batchnorm-backward-wrong-axis", A, "batchnorm_backward",
        "Sums the two correction terms of the input gradient over the features (axis 1) "
        "instead of over the batch (axis 0).",
        "Your input gradient sums over the wrong axis: the batch mean and variance of each "
        "feature depend on that feature's N values, so both sums in dx, sum(g) and "
        "sum(g * x_hat), run over the batch (axis=0), one per feature.",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / n * (n * g - g.sum(axis=1, keepdims=True)
                                    - x_hat * np.sum(g * x_hat, axis=1, keepdims=True))
            return grad_x, np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("grad_x",),
    ),
    mistake(
        "batchnorm-backward-grad-x-without-gamma", A, "batchnorm_backward",
        "Uses G instead of G * gamma (G hat) in the input gradient.",
        "Your input gradient leaves gamma out: the output is gamma * x_hat + beta, so the "
        "gradient reaching x_hat is G_hat = grad_out * gamma, and all three terms of dx use "
        "G_hat, not grad_out.",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out
            grad_x = inv_std / n * (n * g - g.sum(axis=0) - x_hat * np.sum(g * x_hat, axis=0))
            return grad_x, np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("grad_x",),
    ),
    mistake(
        "batchnorm-backward-gamma-gradient-times-gamma", A, "batchnorm_backward",
        "Computes the gradient of gamma from G * gamma (G hat) instead of G.",
        "Your gradient of gamma has gamma in it: dgamma = sum(grad_out * x_hat) over the "
        "batch, with grad_out itself; G_hat = grad_out * gamma is only for the input "
        "gradient.",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / n * (n * g - g.sum(axis=0) - x_hat * np.sum(g * x_hat, axis=0))
            return grad_x, np.sum(g * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("param_grads",),
    ),
    mistake(
        "batchnorm-backward-gamma-gradient-uses-x", A, "batchnorm_backward",
        "Computes the gradient of gamma as sum(G * x) instead of sum(G * x_hat).",
        "Your gradient of gamma uses the raw input x: gamma multiplies the normalized input, "
        "so dgamma = sum(grad_out * x_hat) over the batch, with "
        "x_hat = (x - mean) / sqrt(var + eps).",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / n * (n * g - g.sum(axis=0) - x_hat * np.sum(g * x_hat, axis=0))
            return grad_x, np.sum(grad_out * x, axis=0), grad_out.sum(axis=0)
        """,
        fails=("param_grads",),
    ),
    mistake(
        "batchnorm-backward-no-variance-term", A, "batchnorm_backward",
        "Leaves out the x_hat * sum(G_hat * x_hat) term of the input gradient (the path "
        "through the batch variance).",
        "Your input gradient misses the term that comes through the batch variance: "
        "dx = (1 / (N std)) (N G_hat - sum(G_hat) - x_hat sum(G_hat x_hat)), with "
        "G_hat = grad_out * gamma and both sums over the batch; you left out the last one, "
        "x_hat * np.sum(G_hat * x_hat, axis=0).",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / n * (n * g - g.sum(axis=0))
            return grad_x, np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("grad_x",),
    ),
    mistake(
        "batchnorm-backward-no-mean-term", A, "batchnorm_backward",
        "Leaves out the sum(G_hat) term of the input gradient (the path through the batch "
        "mean).",
        "Your input gradient misses the term that comes through the batch mean: "
        "dx = (1 / (N std)) (N G_hat - sum(G_hat) - x_hat sum(G_hat x_hat)), with "
        "G_hat = grad_out * gamma and both sums over the batch; you left out "
        "- np.sum(G_hat, axis=0).",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / n * (n * g - x_hat * np.sum(g * x_hat, axis=0))
            return grad_x, np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("grad_x",),
    ),
    mistake(
        "batchnorm-backward-divides-by-n-minus-1", A, "batchnorm_backward",
        "Divides the input gradient by (N - 1) std instead of N std.",
        "Your input gradient is N / (N - 1) times too large: the batch is normalized with its "
        "mean and biased variance, both divided by N, so dx = (1 / (N std)) (N G_hat - "
        "sum(G_hat) - x_hat sum(G_hat x_hat)), with N, not N - 1.",
        """
        import numpy as np

        def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
            n = x.shape[0]
            mean, var = x.mean(axis=0), x.var(axis=0)
            inv_std = 1.0 / np.sqrt(var + eps)
            x_hat = (x - mean) * inv_std
            g = grad_out * gamma
            grad_x = inv_std / (n - 1) * (n * g - g.sum(axis=0) - x_hat * np.sum(g * x_hat, axis=0))
            return grad_x, np.sum(grad_out * x_hat, axis=0), grad_out.sum(axis=0)
        """,
        fails=("grad_x",),
    ),
    mistake(
        "early-stopping-no-restore", A, "EarlyStopping",
        "Stops at the right time but restore() leaves the caller's arrays with the last "
        "epoch's weights: restore() does nothing, or rebinds a name (w = best) instead of "
        "writing into the arrays, or the saved \"best\" weights are references to the arrays "
        "training changes (or are saved at every epoch).",
        "After restore() the weights are still the last epoch's: restore() changed nothing in "
        "the caller's arrays. Check both halves: update() must save copies, "
        "[w.copy() for w in weights], and only when the loss improves (references to the "
        "arrays follow training); restore() must write into each array, w[...] = best "
        "(assigning w = best only rebinds a local name).",
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
        "early-stopping-restore-rebinds", A, "EarlyStopping",
        "restore() puts the best arrays into the caller's list (weights[i] = best[i]) instead "
        "of writing their values into the caller's arrays, which the model still holds.",
        "Your restore() replaced the list's entries, but the model keeps its own references to "
        "the arrays, so it still has the last epoch's weights. Write the best values into the "
        "arrays themselves: for w, best in zip(weights, self.best_weights): w[...] = best.",
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
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for i, best in enumerate(self.best_weights):
                        weights[i] = best.copy()
        """,
        fails=("restore",),
    ),
    mistake(
        "early-stopping-ignores-min-delta", A, "EarlyStopping",
        "Counts any decrease of the validation loss as an improvement, ignoring min_delta.",
        "You count improvements smaller than min_delta: an epoch improves only when value < "
        "best - min_delta; a smaller decrease counts as an epoch without improvement.",
        """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best, self.wait, self.best_weights = float("inf"), 0, None

            def update(self, value, weights):
                if value < self.best:
                    self.best, self.wait = value, 0
                    self.best_weights = [w.copy() for w in weights]
                    return False
                self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, best in zip(weights, self.best_weights):
                        w[...] = best
        """,
        fails=("stop", "restore"),
        shows=("min-delta-ignored",),
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
        shows=("patience-plus-one",),
    ),
    mistake(
        "early-stopping-tie-improves", A, "EarlyStopping",
        "Counts value <= best - min_delta as an improvement: a loss exactly at the threshold "
        "(a tie, with min_delta = 0) resets the count and replaces the best weights.",
        "You count an epoch whose loss is exactly best - min_delta (a tie with the best, when "
        "min_delta = 0) as an improvement: the comparison is strict, value < best - min_delta, "
        "so such an epoch adds one to the count and keeps the earlier best weights.",
        """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best, self.wait, self.best_weights = float("inf"), 0, None

            def update(self, value, weights):
                if value <= self.best - self.min_delta:
                    self.best, self.wait = value, 0
                    self.best_weights = [w.copy() for w in weights]
                    return False
                self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, best in zip(weights, self.best_weights):
                        w[...] = best
        """,
        fails=("stop", "restore"),
    ),
    mistake(
        "early-stopping-count-not-reset", A, "EarlyStopping",
        "Never resets the count of epochs without improvement when the loss improves, so "
        "the bad epochs before an improvement still count.",
        "You stop too early when the loss improves again after a bad epoch: the count is of "
        "epochs since the last improvement, so set it back to 0 (self.wait = 0) whenever an "
        "epoch improves.",
        """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best, self.wait, self.best_weights = float("inf"), 0, None

            def update(self, value, weights):
                if value < self.best - self.min_delta:
                    self.best = value
                    self.best_weights = [w.copy() for w in weights]
                    return False
                self.wait += 1
                return self.wait >= self.patience

            def restore(self, weights):
                if self.best_weights is not None:
                    for w, best in zip(weights, self.best_weights):
                        w[...] = best
        """,
        fails=("stop",),
    ),
]
