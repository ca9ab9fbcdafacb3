"""The live attention explorer: type any six digits, pick a head, switch the causal mask.

::

    from explorers import attention_explorer
    attention_explorer()

The two models (without and with the causal mask) are trained once per kernel by
:func:`explorers.attention.trained_run` (a few seconds each), unless given.
"""
from __future__ import annotations

import html

import ipywidgets as w
import numpy as np

from explorers import attention
from explorers._threads import one_blas_thread
from explorers.widgets import _WIDE, _Explorer


class AttentionExplorer(_Explorer):
    """Attention weights of the chosen head (left) and output probabilities (right).

    Controls: the input sequence (a text box: six digits), the head, the causal mask.
    ``runs``: (not causal, causal) :class:`explorers.attention.ReversalRun`; None trains them.
    """

    def __init__(self, sequence="314159", head=0, causal=False, runs=None):
        super().__init__(figsize=(9.6, 4.0), ncols=2, margins={"left": 0.13, "bottom": 0.16,
                                                               "wspace": 0.45})
        if runs is None:
            with one_blas_thread():
                runs = (attention.trained_run(False), attention.trained_run(True))
        self.runs = runs
        heads = attention.attention_layer(runs[0].model).num_heads
        attention.parse_sequence(sequence)  # an error now, not at the first redraw
        self.controls = {
            "sequence": w.Text(value=sequence, description="input (6 digits)", style=_WIDE,
                               continuous_update=False),
            "head": w.Dropdown(options=[(f"head {h + 1}", h) for h in range(heads)], value=head,
                               description="head", style=_WIDE),
            "causal": w.Checkbox(value=causal, description="causal mask", indent=False),
        }
        length = attention.LENGTH
        ax_w, ax_p = self.axes
        self.weights_image = ax_w.imshow(np.zeros((length, length)), cmap="Blues", vmin=0, vmax=1)
        self.prob_image = ax_p.imshow(np.zeros((length, attention.VOCAB)), cmap="Blues", vmin=0,
                                      vmax=1, aspect="auto")
        ax_w.set_xlabel("key: input position (its digit)")
        ax_w.set_ylabel("query: output position")
        ax_p.set_xlabel("digit")
        ax_p.set_ylabel("output position")
        ax_p.set_xticks(range(attention.VOCAB))
        ax_p.set_title("output: probability of each digit")
        self.marks = ax_p.scatter([], [], s=60, facecolors="none", linewidths=2)
        self.widget = w.VBox([
            w.HBox([self.controls["sequence"], self.controls["head"], self.controls["causal"]]),
            self.image, self.readout,
        ])
        self._watch()
        self.redraw()

    def readout_for(self):
        """The :class:`explorers.attention.AttentionReadout` of the controls' current setting."""
        c = self.controls
        tokens = attention.parse_sequence(c["sequence"].value)
        return attention.read_attention(self.runs[int(c["causal"].value)].model, tokens)

    def _update(self):
        c = self.controls
        try:
            readout = self.readout_for()
        except ValueError as error:
            self.readout.value = f"<b>{html.escape(str(error))}</b>"
            return None
        head = c["head"].value
        ax_w, ax_p = self.axes
        self.weights_image.set_data(readout.weights[head])
        self.prob_image.set_data(readout.probabilities)
        ax_w.set_xticks(range(attention.LENGTH), [str(t) for t in readout.tokens])
        ax_w.set_yticks(range(attention.LENGTH),
                        [f"{t} ({d})" for t, d in enumerate(readout.target)])
        ax_p.set_yticks(range(attention.LENGTH),
                        [f"{t} ({d})" for t, d in enumerate(readout.target)])
        mask = "causal mask" if c["causal"].value else "no mask"
        ax_w.set_title(f"head {head + 1}, {mask}: attention weights")
        self.marks.set_offsets(np.column_stack([readout.target, np.arange(attention.LENGTH)]))
        self.marks.set_edgecolors(np.where(readout.correct, "#1a7f37", "#cf222e"))
        run = self.runs[int(c["causal"].value)]
        self.readout.value = (
            f"input {' '.join(map(str, readout.tokens))} → wanted "
            f"{' '.join(map(str, readout.target))} → predicted "
            f"{' '.join(map(str, readout.predicted))} ({int(readout.correct.sum())} of "
            f"{attention.LENGTH} right) · this model on 500 test sequences: "
            f"{run.test_accuracy:.0%} of digits right")
        return None


def attention_explorer(**kwargs) -> AttentionExplorer:
    """Attention maps of a trained Transformer block; see :class:`AttentionExplorer`."""
    return AttentionExplorer(**kwargs)


__all__ = ["AttentionExplorer", "attention_explorer"]
