"""Interactive explorers: activations, optimizers, gradient flow, regularization.

Three layers, so that nnlib stays the single source of truth:

- :mod:`explorers.core`: the compute, with nnlib and numpy only (testable, no widgets);
- :mod:`explorers.widgets`: the live explorers for a running notebook (ipywidgets +
  matplotlib), one call each::

      from explorers import activation_explorer, optimizer_explorer
      activation_explorer()

- :mod:`explorers.static`: the versions for the static book, with no kernel: nnlib
  precomputes a grid of the controls when the book is built, and a small self-contained
  JavaScript renderer draws it in the page.

The live explorers are imported lazily here, so ``import explorers`` works without
ipywidgets and matplotlib (the ``widgets`` extra).
"""
from __future__ import annotations

from explorers import core  # noqa: F401

_LIVE = ("activation_explorer", "optimizer_explorer", "gradient_flow_explorer",
         "regularization_explorer")


def __getattr__(name):
    if name == "width_explorer":  # its own module, as its compute (explorers.width)
        from explorers import width_widget

        return width_widget.width_explorer
    if name == "attention_explorer":  # its own module, as its compute (explorers.attention)
        from explorers import attention_widget

        return attention_widget.attention_explorer
    if name in _LIVE:
        from explorers import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'explorers' has no attribute {name!r}")


__all__ = ["core", *_LIVE, "attention_explorer", "width_explorer"]
