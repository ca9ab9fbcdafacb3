"""The static width explorer: precomputed by nnlib when the book is built, drawn by JavaScript.

For every target, activation and width in :data:`explorers.width.WIDTHS`,
:func:`explorers.width.fit_width` trains a one-hidden-layer network; the page stores each fitted
curve (float32 on the ``N_PLOT`` points of ``PLOT_RANGE``), the target's curves and every final
training error, and ``width.js`` (next to this file) draws the chosen fit and the error against
the width. It uses the shared page machinery of :mod:`explorers.static` (controls, data script,
the shared renderer, which initializes the element once ``width.js`` has registered its kind).

In a notebook: ``from explorers import width_static; width_static.width_explorer()``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from explorers import width
from explorers._threads import one_blas_thread
from explorers.static import _grid_index, _note, _output, _range, _select, explorer_html, pack


@lru_cache(maxsize=1)
def width_js() -> str:
    """The renderer of the width kind (``width.js``)."""
    return Path(__file__).with_name("width.js").read_text(encoding="utf-8")


def all_fits(widths=width.WIDTHS, epochs: int = width.EPOCHS) -> dict:
    """``{(target, activation, width): WidthFit}`` for every combination (a few seconds)."""
    with one_blas_thread():
        return {(t, a, w): width.fit_width(t, a, w, epochs=epochs)
                for t in width.TARGETS for a in width.ACTIVATIONS for w in widths}


def width_spec(fits: dict, widths=width.WIDTHS) -> dict:
    """The data behind the static width explorer.

    ``curves`` holds the fitted curves in the order target, activation, width (width fastest),
    ``targets`` the target curves, both float32 on ``x`` (N_PLOT points of PLOT_RANGE);
    ``mse[t][a]`` lists the final training errors by width, ``parameters`` the networks' sizes.
    """
    curves, mse, target_curves = [], [], []
    for t in width.TARGETS:
        per_activation = []
        for a in width.ACTIVATIONS:
            runs = [fits[(t, a, w)] for w in widths]
            curves.extend(run.y_plot for run in runs)
            per_activation.append([run.train_mse for run in runs])
        mse.append(per_activation)
        target_curves.append(fits[(t, next(iter(width.ACTIVATIONS)), widths[0])].target_plot)
    return {
        "widths": [int(w) for w in widths],
        "targets": [label for label, _ in width.TARGETS.values()],
        "activations": [label for label, _ in width.ACTIVATIONS.values()],
        "x": {"min": width.PLOT_RANGE[0], "max": width.PLOT_RANGE[1], "n": width.N_PLOT},
        "train": list(width.TRAIN_RANGE),
        "curves": pack(np.concatenate(curves), "f4"),
        "targetCurves": pack(np.concatenate(target_curves), "f4"),
        "mse": mse,
        "parameters": [int(fits[(t, a, w)].n_parameters) for w in widths],
    }


def width_explorer(target="sine", activation="tanh", hidden_units=4, fits=None,
                   widths=width.WIDTHS):
    """The static width explorer: the target, the activation, the number of hidden units.

    ``fits``: the result of :func:`all_fits` (for example the chapter's); None computes it.
    ``hidden_units`` must be one of ``widths``.
    """
    targets, activations = list(width.TARGETS), list(width.ACTIVATIONS)
    if target not in targets:
        raise ValueError(f"target must be one of {targets}, got {target!r}")
    if activation not in activations:
        raise ValueError(f"activation must be one of {activations}, got {activation!r}")
    start = _grid_index(widths, hidden_units, "hidden_units")
    spec = width_spec(all_fits(widths) if fits is None else fits, widths)
    controls = (
        '<div class="nnx-row">'
        + _select("target", "target", spec["targets"], targets.index(target))
        + _select("activation", "activation", spec["activations"], activations.index(activation))
        + _range("width", "hidden units", len(widths), start)
        + "</div>"
    )
    note = _note(f"the target, the activation and the width ({', '.join(map(str, widths))} "
                 f"hidden units); each curve is a network trained by nnlib ({width.EPOCHS} "
                 "full-batch Adam steps on the mean squared error) on the shaded range",
                 "width_explorer", f"any width from 1 to {width.MAX_WIDTH} and more steps")
    markup = explorer_html("width", spec, controls, note,
                           "A one-hidden-layer network fitting a function as its width grows")
    return _output(markup + f"<script>{width_js()}</script>")


__all__ = ["width_explorer", "width_spec", "all_fits", "width_js"]
