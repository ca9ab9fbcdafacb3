"""Known mistakes in the activations assignment."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "activations"

MISTAKES = [
    mistake(
        "sigmoid-overflows", A, "sigmoid",
        "Computes an exponential that overflows (with a warning) for large inputs: "
        "1 / (1 + exp(-x)) directly, or both branches of an np.where, one of which overflows.",
        "Your sigmoid computes exp of a large number: exp(-x) overflows for x = -1000 (and "
        "exp(x) for x = 1000, even inside an np.where branch that is not chosen, since "
        "np.where computes both branches for every entry). Compute e = exp(-|x|), which never "
        "overflows, and return 1 / (1 + e) where x >= 0 and e / (1 + e) where x < 0.",
        """
        import numpy as np

        def sigmoid(x):
            return 1.0 / (1.0 + np.exp(-x))
        """,
        fails=("large_inputs",),
    ),
    mistake(
        "sigmoid-mirrored", A, "sigmoid",
        "Computes sigma(-x) = 1 - sigma(x): the branches of the stable formula swapped, or "
        "1 / (1 + exp(x)) with the sign in the exponent lost.",
        "Your sigmoid is mirrored: it is large for negative x and small for positive x, "
        "sigma(-x) instead of sigma(x). Check the sign inside exp, sigma(x) = 1 / (1 + exp(-x)), "
        "and the branches: 1 / (1 + e) where x >= 0, e / (1 + e) where x < 0, with "
        "e = exp(-|x|).",
        """
        import numpy as np

        def sigmoid(x):
            e = np.exp(-np.abs(x))
            return np.where(x >= 0, e / (1 + e), 1 / (1 + e))
        """,
        fails=("values", "large_inputs"),
    ),
    mistake(
        "sigmoid-of-abs", A, "sigmoid",
        "Returns 1 / (1 + exp(-|x|)) for every x, which is sigma(|x|), without the branch for "
        "negative inputs.",
        "Your sigmoid is at least 1/2 everywhere: 1 / (1 + exp(-|x|)) is sigma(|x|), right only "
        "for x >= 0. For x < 0 use e / (1 + e), with e = exp(-|x|): "
        "np.where(x >= 0, 1 / (1 + e), e / (1 + e)).",
        """
        import numpy as np

        def sigmoid(x):
            e = np.exp(-np.abs(x))
            return 1 / (1 + e)
        """,
        fails=("values", "large_inputs"),
    ),
    mistake(
        "sigmoid-derivative-of-input", A, "sigmoid_derivative",
        "Applies the formula s (1 - s) to x itself instead of to s = sigmoid(x) (the syllabus's "
        "\"wrong derivative\" pitfall).",
        "You computed x (1 - x): the derivative is sigma'(x) = sigma(x) (1 - sigma(x)), so "
        "compute s = sigmoid(x) first and return s * (1 - s).",
        """
        def sigmoid_derivative(x):
            return x * (1 - x)
        """,
        fails=("values",),
        seed_pitfall=True,
    ),
    mistake(
        "sigmoid-derivative-is-sigmoid", A, "sigmoid_derivative",
        "Returns sigmoid(x) itself as its derivative.",
        "You returned sigma(x), not its derivative: sigma'(x) = sigma(x) (1 - sigma(x)), which "
        "is at most 0.25 (at x = 0).",
        """
        import numpy as np

        def sigmoid_derivative(x):
            return np.exp(-np.logaddexp(0.0, -x))
        """,
        fails=("values",),
    ),
    mistake(
        "sigmoid-derivative-plus", A, "sigmoid_derivative",
        "Computes s (1 + s) instead of s (1 - s).",
        "You computed s (1 + s): the derivative is s (1 - s), with s = sigmoid(x), a minus "
        "(so it is at most 0.25, at x = 0).",
        """
        import numpy as np

        def sigmoid_derivative(x):
            e = np.exp(-np.abs(x))
            s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
            return s * (1 + s)
        """,
        fails=("values",),
    ),
    mistake(
        "sigmoid-derivative-tanh-formula", A, "sigmoid_derivative",
        "Uses tanh's derivative formula 1 - s^2 with s = sigmoid(x).",
        "You used tanh's derivative formula, 1 - s^2: the sigmoid's derivative is s (1 - s), "
        "with s = sigmoid(x).",
        """
        import numpy as np

        def sigmoid_derivative(x):
            e = np.exp(-np.abs(x))
            s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
            return 1 - s * s
        """,
        fails=("values",),
    ),
    mistake(
        "sigmoid-derivative-sign-flipped", A, "sigmoid_derivative",
        "Computes s (s - 1), the negated derivative.",
        "Your derivative is negative: the sigmoid only goes up, so its derivative "
        "s (1 - s) is positive (1 minus s, not s minus 1).",
        """
        import numpy as np

        def sigmoid_derivative(x):
            e = np.exp(-np.abs(x))
            s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
            return s * (s - 1)
        """,
        fails=("values",),
        shows=("sign-flipped",),
    ),
    mistake(
        "tanh-derivative-not-squared", A, "tanh_derivative",
        "Returns 1 - tanh(x) instead of 1 - tanh(x)^2.",
        "The derivative of tanh is 1 - tanh(x)^2: you forgot to square tanh(x).",
        """
        import numpy as np

        def tanh_derivative(x):
            return 1 - np.tanh(x)
        """,
        fails=("values",),
    ),
    mistake(
        "tanh-derivative-square-outside", A, "tanh_derivative",
        "Squares 1 - tanh(x) instead of subtracting tanh(x)^2 from 1.",
        "You squared 1 - tanh(x): the derivative is 1 - tanh(x)^2, tanh squared first and then "
        "taken from 1, t = np.tanh(x); 1 - t * t.",
        """
        import numpy as np

        def tanh_derivative(x):
            return (1 - np.tanh(x)) ** 2
        """,
        fails=("values",),
    ),
    mistake(
        "tanh-derivative-of-input", A, "tanh_derivative",
        "Applies 1 - t^2 to x itself instead of to t = tanh(x).",
        "You computed 1 - x^2: the formula is about t = tanh(x), not x. Compute t = np.tanh(x) "
        "first and return 1 - t * t.",
        """
        def tanh_derivative(x):
            return 1 - x ** 2
        """,
        fails=("values",),
    ),
    mistake(
        "tanh-derivative-sigmoid-formula", A, "tanh_derivative",
        "Uses the sigmoid's derivative formula t (1 - t) with t = tanh(x).",
        "You used the sigmoid's derivative formula, t (1 - t): tanh's derivative is 1 - t^2, "
        "with t = tanh(x).",
        """
        import numpy as np

        def tanh_derivative(x):
            t = np.tanh(x)
            return t * (1 - t)
        """,
        fails=("values",),
    ),
    mistake(
        "tanh-derivative-sign-flipped", A, "tanh_derivative",
        "Computes tanh(x)^2 - 1, the negated derivative.",
        "Your derivative is negative: tanh only goes up, so its derivative 1 - tanh(x)^2 is "
        "positive (1 minus tanh squared, not the other way round).",
        """
        import numpy as np

        def tanh_derivative(x):
            return np.tanh(x) ** 2 - 1
        """,
        fails=("values",),
        shows=("sign-flipped",),
    ),
    mistake(
        "relu-derivative-one-at-zero", A, "relu_derivative",
        "Uses x >= 0, so the derivative at the kink x = 0 is 1.",
        "At the kink x = 0 this course (like PyTorch) takes ReLU's derivative to be 0: use "
        "x > 0, not x >= 0.",
        """
        import numpy as np

        def relu_derivative(x):
            return (x >= 0).astype(x.dtype)
        """,
        fails=("values",),
        shows=("only-at-zero",),
    ),
    mistake(
        "relu-derivative-float64", A, "relu_derivative",
        "Turns the boolean mask x > 0 into numbers with Python floats ((x > 0) * 1.0, or "
        "np.where(x > 0, 1.0, 0.0)), which gives a float64 array whatever x's dtype (a bool or "
        "int mask has the same values, so it is named the same way).",
        "Your values are right but their dtype is not x's: the mask x > 0 alone is bool, and "
        "turned into numbers with Python numbers it is float64 ((x > 0) * 1.0, "
        "np.where(x > 0, 1.0, 0.0)) or int (np.where(x > 0, 1, 0)). Return it in x's dtype: "
        "(x > 0).astype(x.dtype).",
        """
        import numpy as np

        def relu_derivative(x):
            return (x > 0) * 1.0
        """,
        fails=("values",),
        shows=("float64",),
    ),
    mistake(
        "relu-derivative-sign-flipped", A, "relu_derivative",
        "Returns 1 for negative inputs and 0 for positive ones.",
        "Your derivative is 1 where x is negative: ReLU passes positive inputs through (slope 1) "
        "and zeroes negative ones (slope 0).",
        """
        import numpy as np

        def relu_derivative(x):
            return (x < 0).astype(x.dtype)
        """,
        fails=("values",),
    ),
    mistake(
        "relu-derivative-is-relu", A, "relu_derivative",
        "Returns ReLU itself, max(x, 0), instead of its derivative.",
        "You returned ReLU itself, max(x, 0): its derivative is the slope, 1 where x > 0 and 0 "
        "elsewhere, (x > 0).astype(x.dtype).",
        """
        import numpy as np

        def relu_derivative(x):
            return np.maximum(x, 0)
        """,
        fails=("values",),
    ),
    mistake(
        "relu-derivative-sign-function", A, "relu_derivative",
        "Returns np.sign(x), which is -1 for negative inputs.",
        "Your derivative is -1 for negative inputs (np.sign): ReLU is flat there, slope 0. "
        "Return 1 where x > 0 and 0 elsewhere, (x > 0).astype(x.dtype).",
        """
        import numpy as np

        def relu_derivative(x):
            return np.sign(x)
        """,
        fails=("values",),
    ),
    mistake(
        "leaky-derivative-zero-for-negatives", A, "leaky_relu_derivative",
        "Returns ReLU's derivative (0 for negative inputs) instead of negative_slope.",
        "For x <= 0 leaky ReLU's slope is negative_slope, not 0: that small slope is what keeps "
        "the unit from dying.",
        """
        import numpy as np

        def leaky_relu_derivative(x, negative_slope=0.01):
            return (x > 0).astype(x.dtype)
        """,
        fails=("values",),
    ),
    mistake(
        "leaky-derivative-one-at-zero", A, "leaky_relu_derivative",
        "Uses x >= 0, so the derivative at x = 0 is 1 instead of negative_slope.",
        "At x = 0 the course (like PyTorch) takes the slope of the negative side, negative_slope: "
        "use x > 0 for the slope-1 part.",
        """
        import numpy as np

        def leaky_relu_derivative(x, negative_slope=0.01):
            return np.where(x >= 0, 1.0, negative_slope).astype(x.dtype)
        """,
        fails=("values",),
        shows=("only-at-zero",),
    ),
    mistake(
        "leaky-derivative-hardcoded-slope", A, "leaky_relu_derivative",
        "Writes the default slope 0.01 instead of using the negative_slope argument.",
        "Your derivative uses 0.01 whatever negative_slope is passed: use the argument, "
        "np.where(x > 0, 1.0, negative_slope).",
        """
        import numpy as np

        def leaky_relu_derivative(x, negative_slope=0.01):
            return np.where(x > 0, 1.0, 0.01).astype(x.dtype)
        """,
        fails=("values",),
        shows=("argument-ignored",),
    ),
    mistake(
        "leaky-derivative-slope-times-x", A, "leaky_relu_derivative",
        "Returns negative_slope * x for x <= 0, leaky ReLU's value there, instead of its slope.",
        "For x <= 0 you returned negative_slope * x, which is leaky ReLU's value: its slope "
        "(the derivative of negative_slope * x) is the constant negative_slope.",
        """
        import numpy as np

        def leaky_relu_derivative(x, negative_slope=0.01):
            return np.where(x > 0, 1.0, negative_slope * x).astype(x.dtype)
        """,
        fails=("values",),
    ),
    mistake(
        "leaky-derivative-is-leaky-relu", A, "leaky_relu_derivative",
        "Returns leaky ReLU itself instead of its derivative.",
        "You returned leaky ReLU itself (x where x > 0, negative_slope * x elsewhere): its "
        "derivative is the slope, 1 where x > 0 and negative_slope elsewhere.",
        """
        import numpy as np

        def leaky_relu_derivative(x, negative_slope=0.01):
            return np.where(x > 0, x, negative_slope * x).astype(x.dtype)
        """,
        fails=("values",),
    ),
    mistake(
        "leaky-derivative-slopes-swapped", A, "leaky_relu_derivative",
        "Returns negative_slope for positive inputs and 1 for the others.",
        "Your two slopes are swapped: leaky ReLU has slope 1 where x > 0 and negative_slope "
        "where x <= 0, np.where(x > 0, 1.0, negative_slope).",
        """
        import numpy as np

        def leaky_relu_derivative(x, negative_slope=0.01):
            return np.where(x > 0, negative_slope, 1.0).astype(x.dtype)
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-float64-constant", A, "gelu",
        "Divides by np.sqrt(2), a float64 numpy scalar, which promotes float32 inputs.",
        "Your result is float64 for a float32 input: np.sqrt(2) is a float64 numpy scalar and "
        "promotes the array. Use math.sqrt(2) or 2 ** 0.5, which keep x's dtype.",
        """
        import numpy as np
        from scipy.special import erf

        def gelu(x):
            return x / 2 * (1 + erf(x / np.sqrt(2)))
        """,
        fails=("values",),
        shows=("float64",),
    ),
    mistake(
        "gelu-tanh-approximation", A, "gelu",
        "Uses the tanh approximation of GELU where the exact x Phi(x) is asked for.",
        "Your values are close but not exact: that is the tanh approximation of GELU. The "
        "exercise asks for the exact GELU, x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2))) (use "
        "scipy.special.erf).",
        """
        import numpy as np

        def gelu(x):
            return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
        """,
        fails=("values",),
        shows=("float64",),  # its np.sqrt(2 / np.pi) promotes
    ),
    mistake(
        "gelu-erf-of-half-x", A, "gelu",
        "Computes erf(x / 2) instead of erf(x / sqrt(2)).",
        "You computed erf(x / 2): the normal CDF is Phi(x) = (1 + erf(x / sqrt(2))) / 2, x "
        "divided by the square root of 2 (math.sqrt(2)), not by 2.",
        """
        import math
        from scipy.special import erf

        def gelu(x):
            return 0.5 * x * (1 + erf(x / 2))
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-returns-cdf", A, "gelu",
        "Returns Phi(x), the normal CDF, without multiplying by x.",
        "You returned Phi(x), the normal CDF, alone: GELU multiplies the input by it, "
        "x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))).",
        """
        import math
        from scipy.special import erf

        def gelu(x):
            return 0.5 * (1 + erf(x / math.sqrt(2)))
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-missing-one", A, "gelu",
        "Leaves out the 1 + of the CDF: 0.5 x erf(x / sqrt(2)).",
        "You left out the 1 + of the CDF: Phi(x) = (1 + erf(x / sqrt(2))) / 2, so GELU is "
        "0.5 * x * (1 + erf(x / math.sqrt(2))).",
        """
        import math
        from scipy.special import erf

        def gelu(x):
            return 0.5 * x * erf(x / math.sqrt(2))
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-sigmoid-approximation", A, "gelu",
        "Uses the sigmoid approximation x sigmoid(1.702 x) where the exact x Phi(x) is asked "
        "for.",
        "Your values are close but not exact: x * sigmoid(1.702 x) is the sigmoid approximation "
        "of GELU. The exercise asks for the exact GELU, x * Phi(x) = "
        "0.5 * x * (1 + erf(x / sqrt(2))) (use scipy.special.erf).",
        """
        import numpy as np

        def gelu(x):
            return x / (1 + np.exp(-1.702 * x))
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-derivative-missing-product-rule", A, "gelu_derivative",
        "Returns Phi(x) only, dropping the x phi(x) term of the product rule.",
        "GELU is a product, x * Phi(x), so its derivative has two terms: Phi(x) + x * phi(x), "
        "with phi(x) = exp(-x^2 / 2) / sqrt(2 pi) the normal density. You have only the first.",
        """
        import math
        from scipy.special import erf

        def gelu_derivative(x):
            return 0.5 * (1 + erf(x / math.sqrt(2)))
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-derivative-density-sqrt-pi", A, "gelu_derivative",
        "Normalizes the normal density by sqrt(pi) instead of sqrt(2 pi).",
        "Your normal density has the wrong constant: phi(x) = exp(-x^2 / 2) / sqrt(2 pi), the "
        "square root of 2 pi (math.sqrt(2 * math.pi)), not of pi.",
        """
        import math
        import numpy as np
        from scipy.special import erf

        def gelu_derivative(x):
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = np.exp(-0.5 * x * x) / math.sqrt(math.pi)
            return cdf + x * pdf
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-derivative-exponent-missing-half", A, "gelu_derivative",
        "Uses exp(-x^2) in the normal density instead of exp(-x^2 / 2).",
        "Your density uses exp(-x^2): the standard normal density is "
        "exp(-x^2 / 2) / sqrt(2 pi), with x^2 halved in the exponent.",
        """
        import math
        import numpy as np
        from scipy.special import erf

        def gelu_derivative(x):
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = np.exp(-x * x) / math.sqrt(2 * math.pi)
            return cdf + x * pdf
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-derivative-minus-term", A, "gelu_derivative",
        "Subtracts the x phi(x) term of the product rule instead of adding it.",
        "Your second term has the wrong sign: the product rule on x * Phi(x) gives "
        "Phi(x) + x * phi(x), since Phi' = phi (the minus in the exponent of phi does not "
        "change that).",
        """
        import math
        import numpy as np
        from scipy.special import erf

        def gelu_derivative(x):
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            return cdf - x * pdf
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-derivative-missing-x", A, "gelu_derivative",
        "Adds phi(x) instead of x phi(x) in the product rule.",
        "Your second term is phi(x) alone: the product rule on x * Phi(x) gives "
        "1 * Phi(x) + x * phi(x), so multiply the density by x.",
        """
        import math
        import numpy as np
        from scipy.special import erf

        def gelu_derivative(x):
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            return cdf + pdf
        """,
        fails=("values",),
    ),
    mistake(
        "gelu-derivative-density-unnormalized", A, "gelu_derivative",
        "Leaves out the 1 / sqrt(2 pi) of the normal density.",
        "Your density is missing its constant: phi(x) = exp(-x^2 / 2) / sqrt(2 pi), so divide "
        "by math.sqrt(2 * math.pi).",
        """
        import math
        import numpy as np
        from scipy.special import erf

        def gelu_derivative(x):
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = np.exp(-0.5 * x * x)
            return cdf + x * pdf
        """,
        fails=("values",),
    ),
    mistake(
        "softmax-no-max-subtraction", A, "softmax",
        "Exponentiates the scores directly, which overflows to inf / inf = nan for large scores.",
        "Your softmax gives nan (or warns) for large scores: exp(1000) overflows. Subtract each "
        "row's maximum first, x - x.max(axis=-1, keepdims=True); it cancels in the ratio.",
        """
        import numpy as np

        def softmax(x):
            e = np.exp(x)
            return e / e.sum(axis=-1, keepdims=True)
        """,
        fails=("large_inputs",),
        shows=("nan-inf",),
    ),
    mistake(
        "softmax-wrong-axis", A, "softmax",
        "Normalizes over the batch axis (axis 0) instead of over each row's scores.",
        "Your rows do not sum to 1: normalize along the last axis, over each example's scores "
        "(axis=-1, keepdims=True), not over the batch.",
        """
        import numpy as np

        def softmax(x):
            e = np.exp(x - x.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """,
        fails=("values", "large_inputs"),
        shows=("other-axis",),
    ),
    mistake(
        "softmax-without-keepdims", A, "softmax",
        "Takes the row maximum or the row sum without keepdims=True, so the (N,) result does not "
        "broadcast against the (N, C) scores (or lines up with the wrong axis).",
        "A row max or row sum taken without keepdims=True has shape (N,), which does not line up "
        "with the (N, C) scores: numpy then fails, or divides along the wrong axis. Keep the "
        "axis: x.max(axis=-1, keepdims=True) and e.sum(axis=-1, keepdims=True).",
        """
        import numpy as np

        def softmax(x):
            e = np.exp(x - x.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1)
        """,
        fails=("values", "large_inputs"),
        shows=("keepdims",),
    ),
    mistake(
        "softmax-whole-array", A, "softmax",
        "Uses the 1-D formula on a batch: the maximum and the sum of the whole array (no axis), "
        "so the entire batch sums to 1.",
        "Your probabilities sum to 1 over the whole array, not in each row: np.max(x) and "
        "np.sum(e) without an axis take every entry of the batch. Take both per row, "
        "axis=-1 with keepdims=True.",
        """
        import numpy as np

        def softmax(x):
            e = np.exp(x - np.max(x))
            return e / np.sum(e)
        """,
        fails=("values", "large_inputs"),
    ),
    mistake(
        "softmax-global-max", A, "softmax",
        "Subtracts the maximum of the whole array (x.max() without an axis) instead of each "
        "row's, so rows far below it underflow to 0 / 0.",
        "Your softmax gives nan for a row whose scores are far below the largest score of the "
        "whole batch: x.max() without an axis shifts every row by the same number, and exp "
        "underflows to 0 for that row (0 / 0). Subtract each row's maximum, "
        "x.max(axis=-1, keepdims=True).",
        """
        import numpy as np

        def softmax(x):
            e = np.exp(x - x.max())
            return e / e.sum(axis=-1, keepdims=True)
        """,
        fails=("large_inputs",),
        shows=("nan-inf",),
    ),
    mistake(
        "softmax-axis-1", A, "softmax",
        "Normalizes along axis=1, which fails on a 1-D vector of scores.",
        "Your softmax works on a batch but fails on a 1-D vector, which has no axis 1: use "
        "axis=-1, the last axis, which is each row of a batch and the whole of a vector.",
        """
        import numpy as np

        def softmax(x):
            e = np.exp(x - x.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        """,
        fails=("values",),
    ),
]
