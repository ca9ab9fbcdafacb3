"""Interactive explorers: activations, optimizers, gradient flow, regularization.

Three layers, so that nnlib stays the single source of truth:

- :mod:`nnlib.explore.core`: the compute, with nnlib and numpy only (testable, no widgets);
- :mod:`nnlib.explore.widgets`: the live explorers for a running notebook (ipywidgets +
  matplotlib), one call each::

      from nnlib.explore import activation_explorer, optimizer_explorer
      activation_explorer()

- :mod:`nnlib.explore.static`: the versions for the static book, with no kernel: nnlib
  precomputes a grid of the controls when the book is built, and a small self-contained
  JavaScript renderer draws it in the page.

The live explorers are imported lazily here, so ``import nnlib.explore`` works without
ipywidgets and matplotlib (the ``widgets`` extra).
"""
from __future__ import annotations

from nnlib.explore import core  # noqa: F401

_LIVE = ("activation_explorer", "optimizer_explorer", "gradient_flow_explorer",
         "regularization_explorer")


def __getattr__(name):
    if name in _LIVE:
        from nnlib.explore import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'nnlib.explore' has no attribute {name!r}")


__all__ = ["core", *_LIVE]
