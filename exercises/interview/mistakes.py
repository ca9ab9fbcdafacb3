"""Known mistakes in the interview assignment's autograded questions."""
# Its wrong variants are near-copies of each other on purpose: see exercises/__init__.py.
from autograder.mistakes import mistake

A = "interview"

MISTAKES = [
    mistake(
        "predict-in-training-mode", A, "predict",
        "Calls the model without switching it to evaluation mode: batch norm uses the batch's "
        "statistics (and updates its running ones) and dropout stays active.",
        "Your predictions were made in training mode: call model.eval() first, so that batch "
        "norm uses its running statistics and dropout is off. (In training mode a batch of one "
        "cannot even be normalized, and the running statistics change as you predict.) Mind "
        "the parentheses, model.eval() and not model.eval, and use the method: setting "
        "model.training = False changes the container's flag, not its layers'.",
        """
        def predict(model, X):
            return model(X)
        """,
        fails=("output", "mode"),
        seed_pitfall=True,
    ),
    mistake(
        "predict-leaves-evaluation-mode", A, "predict",
        "Switches to evaluation mode but never switches back, so training would continue "
        "without dropout and with frozen batch norm statistics.",
        "Your predictions are right, but the model stays in evaluation mode afterwards: remember "
        "model.training before calling model.eval(), and restore it with model.train(was_training).",
        """
        def predict(model, X):
            model.eval()
            return model(X)
        """,
        fails=("mode",),
    ),
    mistake(
        "predict-always-back-to-training", A, "predict",
        "Calls model.train() after predicting, which switches a model that was in evaluation "
        "mode into training mode.",
        "Your predictions are right, but afterwards the model is in training mode even if it "
        "was in evaluation mode before: remember was_training = model.training before "
        "model.eval(), and restore exactly that with model.train(was_training).",
        """
        def predict(model, X):
            model.eval()
            output = model(X)
            model.train()
            return output
        """,
        fails=("mode",),
        shows=("only-one-mode",),
    ),
    mistake(
        "xor-network-computes-or", A, "xor_network",
        "The second hidden unit's output weight is too small to cancel the first at (1, 1), "
        "so the network computes OR.",
        "Your network says 1 for (1, 1) too: that is OR. A hidden unit that is active only at "
        "(1, 1) must pull the output back below 0.5 there: give it a negative output weight "
        "large enough to cancel what the other unit adds at (1, 1), with some margin.",
        """
        import numpy as np

        def xor_network():
            W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
            b1 = np.array([0.0, -1.0])
            W2 = np.array([[1.0], [-0.5]])
            b2 = np.array([0.0])
            return W1, b1, W2, b2
        """,
        fails=("predictions",),
    ),
    mistake(
        "xor-network-never-above-half", A, "xor_network",
        "The output is at most 0.5 at every corner (here exactly 0.5 at (0, 1) and (1, 0)), "
        "so the network predicts 0 everywhere.",
        "Your network never gives an output above 0.5, so it says 0 at every corner: at (0, 1) "
        "and (1, 0) the output must be clearly above 0.5 (exactly 0.5 is not above it, and "
        "the threshold is 0.5, not 0), while (0, 0) and (1, 1) stay below. Work out "
        "ReLU(x @ W1 + b1) @ W2 + b2 by hand at each corner.",
        """
        import numpy as np

        def xor_network():
            W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
            b1 = np.array([0.0, -1.0])
            W2 = np.array([[0.5], [-1.0]])
            b2 = np.array([0.0])
            return W1, b1, W2, b2
        """,
        fails=("predictions",),
    ),
    mistake(
        "xor-network-inverted", A, "xor_network",
        "The network computes XNOR: its output is above 0.5 exactly where XOR's is not.",
        "Your network gives the opposite answer at every corner (1 for (0, 0) and (1, 1), 0 "
        "for (0, 1) and (1, 0)): that is XNOR, NOT XOR. Flip the output: negate W2 and "
        "replace b2 by 1 - b2, so that the output o becomes 1 - o.",
        """
        import numpy as np

        def xor_network():
            W1 = np.array([[1.0, 1.0], [1.0, 1.0]])
            b1 = np.array([0.0, -1.0])
            W2 = np.array([[-1.0], [2.0]])
            b2 = np.array([1.0])
            return W1, b1, W2, b2
        """,
        fails=("predictions",),
    ),
    mistake(
        "adam-ratio-without-square-root", A, "adam_first_step_ratio",
        "Divides (1 - beta1) by (1 - beta2) instead of its square root.",
        "Your ratio is far too large: Adam divides m by sqrt(v), and after one step "
        "m = (1 - beta1) g and v = (1 - beta2) g^2, so the uncorrected first step is "
        "(1 - beta1) / sqrt(1 - beta2) times lr.",
        """
        def adam_first_step_ratio(beta1, beta2):
            return (1 - beta1) / (1 - beta2)
        """,
        fails=("ratio",),
    ),
    mistake(
        "adam-ratio-inverted", A, "adam_first_step_ratio",
        "Returns the corrected step over the uncorrected one, the inverse of the ratio asked.",
        "Your ratio is upside down: the question asks how many times larger the step without "
        "the correction is than the step with it, uncorrected / corrected (more than 1 for "
        "the default betas), not its inverse.",
        """
        import numpy as np

        def adam_first_step_ratio(beta1, beta2):
            return np.sqrt(1 - beta2) / (1 - beta1)
        """,
        fails=("ratio",),
        shows=("reciprocal",),
    ),
    mistake(
        "adam-ratio-ignores-v", A, "adam_first_step_ratio",
        "Compares only the first moments, m_1 / m_hat_1 = 1 - beta1, leaving out v and its "
        "correction.",
        "Your ratio leaves out the second moment: Adam's step is m / sqrt(v), and v_1 = "
        "(1 - beta2) g^2 is bias-corrected too. Without correction the first step is "
        "(1 - beta1) g / sqrt((1 - beta2) g^2) times lr; with it, g / |g| times lr. Divide "
        "the first by the second.",
        """
        def adam_first_step_ratio(beta1, beta2):
            return 1 - beta1
        """,
        fails=("ratio",),
    ),
]
