"""The live width explorer: any width from 1 to 64, trained by nnlib when a control moves.

::

    from explorers import width_explorer
    width_explorer()

Each change trains one network with :func:`explorers.width.fit_width` (a fraction of a second)
and draws its curve over the target (left) and its loss per step (right).
"""
from __future__ import annotations

import ipywidgets as w
import numpy as np

from explorers import width
from explorers._threads import one_blas_thread
from explorers.widgets import _WIDE, _Explorer


class WidthExplorer(_Explorer):
    """A one-hidden-layer network fitting a target (left) and its training loss (right).

    Controls: the target, the activation, the number of hidden units (1 to ``MAX_WIDTH``) and
    the number of full-batch Adam steps.
    """

    def __init__(self, target="sine", activation="tanh", hidden_units=4, epochs=width.EPOCHS):
        super().__init__(figsize=(9.6, 3.6), ncols=2, margins={"wspace": 0.3},
                         width_ratios=(1.6, 1))
        width.one_hidden_layer(activation, hidden_units, np.random.default_rng(0))  # checks
        width.training_data(target)
        self.controls = {
            "target": w.Dropdown(options=[(label, key) for key, (label, _) in width.TARGETS.items()],
                                 value=target, description="target", style=_WIDE),
            "activation": w.Dropdown(options=[(label, key) for key, (label, _)
                                              in width.ACTIVATIONS.items()],
                                     value=activation, description="activation", style=_WIDE),
            "hidden_units": w.IntSlider(value=hidden_units, min=1, max=width.MAX_WIDTH,
                                        description="hidden units", style=_WIDE,
                                        continuous_update=False),
            "epochs": w.IntSlider(value=epochs, min=50, max=3000, step=50,
                                  description="Adam steps", style=_WIDE,
                                  continuous_update=False),
        }
        ax_fit, ax_loss = self.axes
        ax_fit.axvspan(*width.TRAIN_RANGE, color="#eef1f4", label="training range")
        (self.target_line,) = ax_fit.plot([], [], ":", color="0.4", label="target")
        (self.fit_line,) = ax_fit.plot([], [], color="tab:red", label="network")
        ax_fit.set_xlim(*width.PLOT_RANGE)
        ax_fit.set_ylim(-1.6, 1.6)
        ax_fit.set_xlabel("x")
        ax_fit.legend(fontsize=8, loc="lower left")
        (self.loss_line,) = ax_loss.semilogy([1], [1], color="tab:blue")
        ax_loss.set_xlabel("Adam step")
        ax_loss.set_ylabel("training MSE")
        ax_loss.set_title("loss per step")
        self.fit = None
        self.widget = w.VBox([w.HBox(list(self.controls.values())[:2]),
                              w.HBox(list(self.controls.values())[2:]), self.image, self.readout])
        self._watch()
        self.redraw()

    def _update(self):
        c = self.controls
        with one_blas_thread():
            self.fit = fit = width.fit_width(c["target"].value, c["activation"].value,
                                             c["hidden_units"].value, epochs=c["epochs"].value)
        ax_fit, ax_loss = self.axes
        self.target_line.set_data(fit.x_plot, fit.target_plot)
        self.fit_line.set_data(fit.x_plot, fit.y_plot)
        ax_fit.set_title(f"{fit.width} hidden {width.ACTIVATIONS[fit.activation][0]} "
                         f"unit{'s' if fit.width > 1 else ''}")
        self.loss_line.set_data(np.arange(1, len(fit.losses) + 1), fit.losses)
        ax_loss.set_xlim(1, len(fit.losses))
        low, high = fit.losses.min(), fit.losses.max()
        ax_loss.set_ylim(10 ** np.floor(np.log10(low)), 10 ** np.ceil(np.log10(high)))
        self.readout.value = (f"{fit.width} hidden units, {fit.n_parameters} parameters: "
                              f"training mean squared error {fit.train_mse:.3g} after "
                              f"{len(fit.losses)} steps")
        return None


def width_explorer(**kwargs) -> WidthExplorer:
    """A one-hidden-layer network fitting a function as it widens; see :class:`WidthExplorer`."""
    return WidthExplorer(**kwargs)


__all__ = ["WidthExplorer", "width_explorer"]
