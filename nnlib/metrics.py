"""Metrics that are not losses: what fraction of predictions is right."""
from __future__ import annotations

import numpy as np


def accuracy(scores, targets, threshold=0.5) -> float:
    """Fraction of correct predictions.

    - ``scores`` (N, C) with C > 1: the predicted class is the argmax; ``targets`` are class
      indices (N,).
    - ``scores`` (N, 1) or (N,): one score per example, predicted 1 where ``score > threshold``
      (use 0.5 for probabilities, 0.0 for logits); ``targets`` are 0/1 of the same length.
    """
    scores = np.asarray(scores)
    if scores.ndim == 2 and scores.shape[1] > 1:
        predicted = np.argmax(scores, axis=1)
    else:
        predicted = (scores.reshape(-1) > threshold).astype(np.int64)
    expected = np.asarray(targets).reshape(-1)
    if predicted.shape != expected.shape:
        raise ValueError(
            f"accuracy: scores {scores.shape} give {predicted.shape[0]} predictions but targets "
            f"have shape {np.shape(targets)}"
        )
    return float(np.mean(predicted == expected))


__all__ = ["accuracy"]
