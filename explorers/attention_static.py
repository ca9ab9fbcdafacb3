"""The static attention explorer: precomputed by nnlib when the book is built, drawn by JavaScript.

For each example sequence and each mask setting (none, causal), :mod:`explorers.attention`
runs its trained one-block Transformer and stores every head's attention map and the output
probabilities; ``attention.js`` (next to this file) draws the selected ones. It uses the shared
page machinery of :mod:`explorers.static` (controls, data script, the shared renderer, which
initializes the element once ``attention.js`` has registered its kind).

In a notebook: ``from explorers import static; static.attention_explorer()``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from explorers import attention
from explorers._threads import one_blas_thread
from explorers.static import _check, _note, _output, _select, explorer_html, pack


@lru_cache(maxsize=1)
def attention_js() -> str:
    """The renderer of the attention kind (``attention.js``)."""
    return Path(__file__).with_name("attention.js").read_text(encoding="utf-8")


def attention_spec(runs, sequences=attention.EXAMPLE_SEQUENCES) -> dict:
    """The data behind the static attention explorer.

    ``runs`` are two :class:`explorers.attention.ReversalRun`, without and with the causal mask
    (in that order). Per run and sequence (run slowest): the attention weights (H, T, T) and the
    output probabilities (T, 10), both as uint8 ``round(p * 255)``, and the predicted digits.
    """
    if [run.causal for run in runs] != [False, True]:
        raise ValueError(f"runs must be (not causal, causal), got causal={[r.causal for r in runs]}")
    weights, probabilities, predicted = [], [], []
    for run in runs:
        for text in sequences:
            readout = attention.read_attention(run.model, attention.parse_sequence(text))
            weights.append(readout.weights)
            probabilities.append(readout.probabilities)
            predicted.append(readout.predicted)
    heads = attention.attention_layer(runs[0].model).num_heads
    return {
        "sequences": list(sequences), "heads": int(heads), "length": attention.LENGTH,
        "vocab": attention.VOCAB,
        "weights": pack(np.rint(np.array(weights) * 255), "u1"),
        "probabilities": pack(np.rint(np.array(probabilities) * 255), "u1"),
        "predicted": pack(np.array(predicted), "u1"),
        "accuracy": [float(run.test_accuracy) for run in runs],
        "positionAccuracy": [[float(a) for a in run.position_accuracy] for run in runs],
    }


def attention_explorer(sequence=0, head=0, causal=False, runs=None,
                       sequences=attention.EXAMPLE_SEQUENCES):
    """The static attention explorer: a sequence, a head, with or without the causal mask.

    ``runs``: the two trained runs (not causal, causal), for example the chapter's; None trains
    them (:func:`explorers.attention.trained_run`, a few seconds each).
    """
    if runs is None:
        with one_blas_thread():
            runs = (attention.trained_run(False), attention.trained_run(True))
    if not 0 <= int(sequence) < len(sequences):
        raise ValueError(f"sequence must be an index into {len(sequences)} sequences, got {sequence}")
    spec = attention_spec(runs, sequences)
    if not 0 <= int(head) < spec["heads"]:
        raise ValueError(f"head must be in [0, {spec['heads']}), got {head}")
    controls = (
        '<div class="nnx-row">'
        + _select("sequence", "input sequence", [" ".join(s) for s in sequences], int(sequence))
        + _select("head", "head", [f"head {h + 1}" for h in range(spec["heads"])], int(head))
        + _check("causal", "causal mask", causal)
        + "</div>"
    )
    note = _note("the input sequence (one of six), the attention head and the causal mask; each "
                 "picture is the trained one-block Transformer of this chapter (nnlib, "
                 f"d_model = {attention.D_MODEL}, {spec['heads']} heads) reading one sequence, "
                 "and the two mask settings are two models, each trained with its mask",
                 "attention_explorer", "any sequence of six digits")
    markup = explorer_html("attention", spec, controls, note,
                           "Attention weights of a Transformer block and its output per position")
    return _output(markup + f"<script>{attention_js()}</script>")


__all__ = ["attention_explorer", "attention_spec", "attention_js"]
