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
        "np.where(x > 0, 1.0, 0.0)), which gives a float64 array whatever x's dtype.",
        "Your result is float64 for a float32 input: a boolean mask turned into numbers with "
        "Python floats, (x > 0) * 1.0 or np.where(x > 0, 1.0, 0.0), is float64. Return it in "
        "x's dtype: (x > 0).astype(x.dtype).",
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
]
