"""The attention explorer's compute: a one-block Transformer that reverses digit sequences.

The task needs attention: output position ``t`` must copy input position ``T - 1 - t``, a
different position for every output, which no position-wise layer can do. One pre-norm
Transformer block (:func:`nnlib.transformer.transformer_block`) learns it in seconds, and its
attention maps show the anti-diagonal it learned. With a causal mask, position ``t`` may only
read positions ``<= t``, so the first half of the reversed sequence (which lies in the future)
cannot be produced: the mask's cost is visible in the outputs.

Chapter 06 builds and trains this model (it prints :func:`sequence_model`'s source), and the
explorers (:mod:`explorers.attention_static`, :mod:`explorers.attention_widget`) show it.
Everything here is nnlib and numpy.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from nnlib import layers, optim
from nnlib.train import fit
from nnlib.transformer import (
    PositionEmbedding,
    TokenCrossEntropyLoss,
    token_accuracy,
    transformer_block,
)

VOCAB = 10     # the digits 0-9
LENGTH = 6     # digits per sequence
D_MODEL, NUM_HEADS, D_HIDDEN = 32, 2, 64


def one_hot(tokens, vocab: int = VOCAB) -> np.ndarray:
    """Integer tokens (N, T) in [0, vocab) -> float64 one-hot (N, T, vocab)."""
    tokens = np.asarray(tokens)
    if not np.issubdtype(tokens.dtype, np.integer) or tokens.ndim != 2:
        raise ValueError(f"tokens must be an integer array (N, T), got {tokens.dtype} {tokens.shape}")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= vocab):
        raise ValueError(f"tokens must lie in [0, {vocab}), got values from {tokens.min()} to "
                         f"{tokens.max()}")
    return np.eye(vocab)[tokens]


def reversal_data(n: int, length: int = LENGTH, rng=None):
    """``n`` random digit sequences and their reversals: tokens (n, length), targets (n, length)."""
    tokens = np.random.default_rng(rng).integers(0, VOCAB, size=(n, length))
    return tokens, tokens[:, ::-1].copy()


def sequence_model(causal: bool, rng, length: int = LENGTH):
    """Embed the one-hot digits, add positions, one Transformer block, read out 10 logits.

    (N, T, 10) one-hot -> (N, T, 10) logits. ``Linear(10, D)`` on a one-hot row picks one row
    of its weight: that is a token embedding. The attention layer is ``model[2][0].block[1]``.
    """
    return layers.Sequential(
        layers.Linear(VOCAB, D_MODEL, rng=rng),                     # token embedding
        PositionEmbedding(length, D_MODEL, rng=rng),                # + a vector per position
        transformer_block(D_MODEL, NUM_HEADS, D_HIDDEN, causal=causal, rng=rng),
        layers.LayerNorm(D_MODEL),                                  # final norm, as GPT-2
        layers.Linear(D_MODEL, VOCAB, rng=rng),                     # logits per position
    )


def attention_layer(model) -> layers.MultiHeadAttention:
    """The MultiHeadAttention inside a :func:`sequence_model`."""
    return model[2][0].block[1]


@dataclass
class ReversalRun:
    """A trained :func:`sequence_model` and how it did."""

    model: layers.Sequential
    causal: bool
    losses: list            # training loss per epoch
    test_accuracy: float    # fraction of test digits right
    position_accuracy: np.ndarray  # (LENGTH,) per output position
    seconds: float          # training time (fit only)


def train_reversal(causal: bool = False, n_train: int = 2000, n_test: int = 500,
                   epochs: int = 10, seed: int = 0) -> ReversalRun:
    """Train a :func:`sequence_model` to reverse digit sequences (Adam, lr 3e-3, batches of 64)."""
    tokens, targets = reversal_data(n_train, rng=seed)
    test_tokens, test_targets = reversal_data(n_test, rng=seed + 1)
    model = sequence_model(causal, np.random.default_rng(seed + 2))
    start = time.perf_counter()
    history = fit(model, TokenCrossEntropyLoss(), optim.Adam(model.parameters(), lr=3e-3),
                  one_hot(tokens), targets, epochs=epochs, batch_size=64,
                  rng=np.random.default_rng(seed + 3), progress=False)
    seconds = time.perf_counter() - start
    scores = model(one_hot(test_tokens))
    position = np.mean(np.argmax(scores, axis=-1) == test_targets, axis=0)
    return ReversalRun(model, causal, list(history["loss"]), token_accuracy(scores, test_targets),
                       position, seconds)


@lru_cache(maxsize=2)
def trained_run(causal: bool) -> ReversalRun:
    """The explorers' default runs (one per mask setting), trained once per process."""
    return train_reversal(causal)


@dataclass
class AttentionReadout:
    """What one model does with one sequence."""

    tokens: np.ndarray         # (T,) the input digits
    weights: np.ndarray        # (H, T, T) attention weights; row t = where output t reads
    probabilities: np.ndarray  # (T, VOCAB) softmax of the logits per output position
    predicted: np.ndarray      # (T,) argmax digits

    @property
    def target(self) -> np.ndarray:
        return self.tokens[::-1]

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.target


def read_attention(model, tokens) -> AttentionReadout:
    """Run ``model`` on one sequence of digits and collect its attention maps and outputs."""
    tokens = np.asarray(tokens, dtype=np.int64).reshape(-1)
    logits = model(one_hot(tokens[None, :]))[0]
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=-1, keepdims=True)
    weights = attention_layer(model).attention_weights[0].copy()
    return AttentionReadout(tokens, weights, probabilities, np.argmax(logits, axis=-1))


def parse_sequence(text: str, length: int = LENGTH) -> np.ndarray:
    """``"314159"`` (digits, spaces ignored) -> array of ``length`` ints; an error otherwise."""
    digits = str(text).replace(" ", "")
    if len(digits) != length or not digits.isdigit():
        raise ValueError(f"a sequence is {length} digits 0-9, got {text!r}")
    return np.array([int(c) for c in digits], dtype=np.int64)


EXAMPLE_SEQUENCES = ("012345", "314159", "271828", "990011", "777777", "508263")

__all__ = [
    "VOCAB", "LENGTH", "one_hot", "reversal_data", "sequence_model", "attention_layer",
    "ReversalRun", "train_reversal", "trained_run", "AttentionReadout", "read_attention",
    "parse_sequence", "EXAMPLE_SEQUENCES",
]
