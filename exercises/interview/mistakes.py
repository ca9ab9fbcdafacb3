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
        "cannot even be normalized, and the running statistics change as you predict.)",
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
]
