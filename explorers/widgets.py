"""The live explorers: ipywidgets controls over matplotlib figures, for a running notebook.

Each explorer is one call that returns an object a notebook displays::

    from explorers import optimizer_explorer
    optimizer_explorer()

Moving a control recomputes with :mod:`explorers.core` (that is, with nnlib) and redraws. The
figure is drawn with matplotlib's Agg renderer into a PNG shown by an ``ipywidgets.Image``, so it
works the same in Jupyter Notebook, JupyterLab, VS Code and Colab, whatever matplotlib backend
the notebook uses, and never leaves stray figures behind. Each explorer keeps its artists and
only updates their data on a redraw, which keeps a redraw fast (``python -m bench.explorers``
measures it).

For tests and scripts, every explorer exposes ``.controls`` (a dict of the widgets by name),
``.figure`` (the matplotlib figure), ``.image`` (the ``Image`` widget holding the last PNG),
``.readout`` (an ``HTML`` widget with the numbers) and ``.widget`` (the whole layout).
"""
from __future__ import annotations

import html
import io
from collections import OrderedDict

import ipywidgets as w
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from explorers import core
from explorers._threads import one_blas_thread
from nnlib.activations import ACTIVATIONS

_WIDE = {"description_width": "initial"}
# The "gradient vanishes here" strips of the activation explorer, in axes fractions.
_STRIP_BASE, _STRIP_PITCH, _STRIP_HEIGHT = 0.015, 0.04, 0.03
_GRID_COLOR = "#e6e6e6"
_BACKGROUNDS_KEPT = 12  # saved static backgrounds per explorer (about 1.4 MB each)
# Probability of class 1: class 0's colour, through white at 0.5, to class 1's colour.
_CLASS_CMAP = LinearSegmentedColormap.from_list(
    "nnx_classes", [core.PALETTE[0], "#ffffff", core.PALETTE[1]])


def _fmt(value: float) -> str:
    """A number for a readout: 4 significant digits, scientific when very large or small."""
    if not np.isfinite(value):
        return str(value)
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3e}"
    return f"{value:.4g}"


def _snap_linear(low: float, high: float) -> tuple[float, float]:
    """Pad ``(low, high)`` by 8% and round outwards to a multiple of a round step.

    Rounding makes the limits (and so the static background) stay put while a slider moves a
    little, so most redraws can reuse the background.
    """
    pad = 0.08 * max(high - low, 1e-3)
    low, high = low - pad, high + pad
    step = 10.0 ** np.floor(np.log10(high - low)) / 2
    return float(np.floor(low / step) * step), float(np.ceil(high / step) * step)


def _snap_log(low: float, high: float) -> tuple[float, float]:
    """Limits for a log axis: whole decades around ``[low, high]`` (both > 0)."""
    return 10.0 ** np.floor(np.log10(low)), 10.0 ** np.ceil(np.log10(high))


def _steady_linear(current, low: float, high: float, room: float = 0.0):
    """Limits for data in ``[low, high]``: the ``current`` ones if the data still fits, else new.

    ``room`` is the fraction of the axes kept free below the data. Keeping the limits while the
    data moves a little (it must still fill at least 45% of the height) keeps the static
    background valid, so the redraw stays on the fast path.
    """
    if current is not None:
        c_low, c_high = current
        span = c_high - c_low
        if ((low - c_low) / span >= room + 0.01 and high <= c_high
                and high - low >= 0.45 * span * (1.0 - room)):
            return current
    wanted = _snap_linear(low, high)
    if room:
        wanted = (wanted[0] - (wanted[1] - wanted[0]) * room / (1.0 - room), wanted[1])
    return wanted


def _steady_log(current, low: float, high: float):
    """Like :func:`_steady_linear` on a log axis: keep ``current`` while the data fills half of it."""
    if current is not None:
        c_low, c_high = np.log10(current[0]), np.log10(current[1])
        d_low, d_high = np.log10(low), np.log10(high)
        if c_low <= d_low and d_high <= c_high and d_high - d_low >= 0.5 * (c_high - c_low):
            return current
    return _snap_log(low, high)


class _Explorer:
    """Base class: owns the figure, the ``Image`` it is shown in, and the redraw cycle."""

    def __init__(self, figsize, ncols: int, margins=None, width_ratios=None):
        # A fixed layout: a layout engine ("constrained", "tight") costs more than the drawing.
        self.figure = Figure(figsize=figsize, dpi=96)
        self.figure.subplots_adjust(**{"left": 0.07, "right": 0.985, "bottom": 0.14,
                                       "top": 0.9, "wspace": 0.22, **(margins or {})})
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes = self.figure.subplots(1, ncols, width_ratios=width_ratios)
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self.readout = w.HTML()
        self.controls: dict[str, w.Widget] = {}
        self._holding = False
        self._background = None
        self._backgrounds: OrderedDict = OrderedDict()
        self._static_key = None
        self.redraws = 0

    def _watch(self) -> None:
        """Redraw whenever any control's value changes."""
        for control in self.controls.values():
            control.observe(self._on_change, names="value")

    def _on_change(self, _change=None) -> None:
        if not self._holding:
            self.redraw()

    def redraw(self) -> None:
        """Recompute from the controls, update the figure and the readout, re-render the PNG.

        Blitting: the artists that move on every change (curves, paths, markers) are
        ``animated``, so ``canvas.draw()`` paints only the static rest (axes, ticks, labels,
        contours, legend), which is saved. While the static rest does not change (``_update``
        returns the same key), a redraw restores the saved pixels and paints only the moving
        artists, which is several times faster than drawing text and ticks again. The last
        few backgrounds are kept by key, so moving a slider back to where it was is fast too.
        """
        key = self._update()
        if key is not None and self._background is not None and key in self._backgrounds:
            self._backgrounds.move_to_end(key)
            self._background = self._backgrounds[key]
            self.canvas.restore_region(self._background)
        else:
            self._pin_text()
            self.canvas.draw()
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            if key is not None:
                self._backgrounds[key] = self._background
                while len(self._backgrounds) > _BACKGROUNDS_KEPT:
                    self._backgrounds.popitem(last=False)
        self._static_key = key
        for artist in self._moving_artists():
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        rgba = np.asarray(self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        # Fast PNG: RGB and light compression (the PNG only travels from kernel to browser).
        PIL.Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()
        self.redraws += 1

    def _pin_text(self) -> None:
        """Fixed places for titles and axis labels.

        By default matplotlib places them by measuring every tick label first, on every draw;
        pinned, a full redraw takes about a third less time.
        """
        width, height = self.figure.get_size_inches()
        for ax in self.axes:
            ax.apply_aspect()
            box = ax.get_position()
            ax.xaxis.set_label_coords(0.5, -0.34 / (box.height * height))  # inches below
            ax.yaxis.set_label_coords(-0.5 / (box.width * width), 0.5)    # inches left
            ax.set_title(ax.get_title(), y=1.01, fontsize=ax.title.get_fontsize())

    def _update(self):
        """Apply the controls to the figure; return a key of everything static (None: always redraw)."""
        raise NotImplementedError

    def _moving_artists(self) -> list:
        """The animated artists, drawn over the saved background in this order."""
        return []

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


# --- activation explorer ---------------------------------------------------------------------

class ActivationExplorer(_Explorer):
    """Activation functions and their derivatives, with the regions where the gradient vanishes.

    Controls: which activations to show, the input range, leaky ReLU's slope, the threshold
    below which :math:`|f'(x)|` counts as vanished (shaded), and a point ``x0`` whose value
    and derivative the readout prints.
    """

    def __init__(self, selected=("sigmoid", "tanh", "relu"), x_range=(-6.0, 6.0), x0=1.0,
                 negative_slope=0.1, threshold=0.01, n_points=601):
        super().__init__(figsize=(9.2, 3.5), ncols=2)
        for name in selected:
            core._choice(name, "selected", core.ACTIVATION_NAMES)
        self.n_points = n_points
        self.checkboxes = {
            name: w.Checkbox(value=name in selected, description=label, indent=False,
                             layout=w.Layout(width="auto"))
            for name, label in core.ACTIVATION_LABELS.items()
        }
        self.controls = {f"show_{name}": box for name, box in self.checkboxes.items()}
        self.controls.update(
            x_range=w.FloatRangeSlider(value=x_range, min=-10.0, max=10.0, step=0.5,
                                       description="input range", style=_WIDE),
            x0=w.FloatSlider(value=x0, min=-10.0, max=10.0, step=0.05, description="point x₀",
                             style=_WIDE),
            negative_slope=w.FloatSlider(value=negative_slope, min=0.0, max=0.5, step=0.01,
                                         description="leaky slope α", style=_WIDE),
            threshold=w.FloatLogSlider(value=threshold, base=10, min=-4, max=-0.5, step=0.25,
                                       description="vanishing below |f′| <", style=_WIDE,
                                       readout_format=".4g"),
        )
        ax_f, ax_d = self.axes
        self.lines = {}
        for index, name in enumerate(core.ACTIVATION_NAMES):
            color = core.PALETTE[index]
            label = core.ACTIVATION_LABELS[name]
            self.lines[name] = (
                ax_f.plot([], [], color=color, lw=2, label=label, animated=True)[0],
                ax_d.plot([], [], color=color, lw=2, label=label, animated=True)[0],
                ax_f.plot([], [], "o", color=color, ms=6, animated=True)[0],
                ax_d.plot([], [], "o", color=color, ms=6, animated=True)[0],
            )
        self.markers = [ax.axvline(0.0, color="#555", lw=1, ls="--", animated=True)
                        for ax in self.axes]
        self.shading = []
        ax_f.set_title("f(x)")
        ax_d.set_title("derivative f′(x); strips: where |f′| < threshold", fontsize=11)
        for ax in self.axes:
            ax.grid(True, color=_GRID_COLOR)
            ax.axhline(0.0, color="#999", lw=0.8)
            ax.set_xlabel("x")
        self.legend, self._legend_for = None, None
        for ax in self.axes:  # fewer ticks: text is most of the cost of a full redraw
            ax.xaxis.set_major_locator(MaxNLocator(nbins=7))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
        boxes = w.GridBox(list(self.checkboxes.values()),
                          layout=w.Layout(grid_template_columns="repeat(4, auto)"))
        sliders = w.VBox([self.controls[k] for k in ("x_range", "x0", "negative_slope",
                                                     "threshold")])
        self.widget = w.VBox([boxes, sliders, self.image, self.readout])
        self._watch()
        self.redraw()

    def _moving_artists(self):
        curves = [artist for name in core.ACTIVATION_NAMES for artist in self.lines[name][:2]]
        dots = [artist for name in core.ACTIVATION_NAMES for artist in self.lines[name][2:]]
        return [*self.shading, *self.markers, *curves, *dots]

    def _update(self):
        c = self.controls
        low, high = c["x_range"].value
        if not low < high:
            low, high = low - 0.5, high + 0.5
        x = core.input_grid(low, high, self.n_points)
        x0 = min(max(c["x0"].value, low), high)
        slope, threshold = c["negative_slope"].value, c["threshold"].value
        for patch in self.shading:
            patch.remove()
        self.shading = []
        shown = tuple(n for n in core.ACTIVATION_NAMES if self.checkboxes[n].value)
        ax_f, ax_d = self.axes
        values, derivs, rows = [], [], []
        for name in core.ACTIVATION_NAMES:
            line_f, line_d, dot_f, dot_d = self.lines[name]
            visible = name in shown
            for artist in (line_f, line_d, dot_f, dot_d):
                artist.set_visible(visible)
            if not visible:
                continue
            f, d = core.activation_curve(name, x, slope)
            line_f.set_data(x, f)
            line_d.set_data(x, d)
            v0, d0 = core.activation_at(name, x0, slope)
            dot_f.set_data([x0], [v0])
            dot_d.set_data([x0], [d0])
            values.append(f)
            derivs.append(d)
            # One strip per activation along the bottom, where its gradient vanishes.
            bottom = _STRIP_BASE + _STRIP_PITCH * len(rows)
            for start, end in core.vanishing_regions(x, d, threshold):
                self.shading.append(ax_d.axvspan(
                    start, end, ymin=bottom, ymax=bottom + _STRIP_HEIGHT,
                    color=line_d.get_color(), alpha=0.6, lw=0, animated=True))
            rows.append((name, v0, d0))
        for marker in self.markers:
            marker.set_xdata([x0, x0])
        same_range = self._static_key is not None and self._static_key[0] == (low, high)
        limits = [(low, high)]
        strips = _STRIP_BASE + _STRIP_PITCH * len(rows) + 0.02  # room for the strips
        for index, (ax, data, room) in enumerate(((ax_f, values, 0.0), (ax_d, derivs, strips))):
            ax.set_xlim(low, high)
            current = self._static_key[index + 1] if same_range else None
            ylim = current or (-1.0, 1.0)
            if data:
                ylim = _steady_linear(current, min(np.min(a) for a in data),
                                      max(np.max(a) for a in data), room)
            ax.set_ylim(*ylim)
            limits.append(ylim)
        if shown != self._legend_for:  # part of the background: drawn only on a full redraw
            if self.legend is not None:
                self.legend.remove()
                self.legend = None
            if shown:
                self.legend = ax_f.legend(handles=[self.lines[n][0] for n in shown],
                                          loc="upper left", fontsize=8)
            self._legend_for = shown
        self.readout.value = self._readout_html(rows, x0, slope)
        return (*limits, shown)

    def _readout_html(self, rows, x0, slope) -> str:
        if not rows:
            return "<i>Tick at least one activation.</i>"
        body = []
        for name, v0, d0 in rows:
            interval = ACTIVATIONS[name].interval
            if name == "leaky_relu" and slope == 0:
                interval = ACTIVATIONS["relu"].interval
            body.append(
                f"<tr><td>{html.escape(core.ACTIVATION_LABELS[name])}</td><td>{_fmt(v0)}</td>"
                f"<td>{_fmt(d0)}</td><td>{interval}</td></tr>"
            )
        return ("<table style='border-collapse:collapse'><tr><th style='text-align:left'>"
                f"activation</th><th>f({_fmt(x0)})</th><th>f′({_fmt(x0)})</th><th>range</th></tr>"
                + "".join(body) + "</table>")


def activation_explorer(**kwargs) -> ActivationExplorer:
    """Plot activations and their derivatives; see :class:`ActivationExplorer` for the options."""
    return ActivationExplorer(**kwargs)


# --- optimizer explorer ----------------------------------------------------------------------

_HYPER_SLIDERS = {
    "momentum": lambda v: w.FloatSlider(value=v, min=0.0, max=0.99, step=0.01,
                                        description="momentum μ", style=_WIDE),
    "alpha": lambda v: w.FloatSlider(value=v, min=0.5, max=0.999, step=0.001,
                                     description="α", readout_format=".3f", style=_WIDE),
    "beta1": lambda v: w.FloatSlider(value=v, min=0.0, max=0.99, step=0.01, description="β₁",
                                     style=_WIDE),
    "beta2": lambda v: w.FloatSlider(value=v, min=0.9, max=0.9999, step=0.0001,
                                     description="β₂", readout_format=".4f", style=_WIDE),
    "weight_decay": lambda v: w.FloatSlider(value=v, min=0.0, max=1.0, step=0.01,
                                            description="weight decay λ", style=_WIDE),
}


class OptimizerExplorer(_Explorer):
    """nnlib's optimizers on a 2-D loss surface: paths over the contours and loss per step.

    Controls: the surface (and the bowl's condition number), the number of steps, the start
    point, and for each optimizer a checkbox, a learning rate and its own hyper-parameters.
    Changing the surface resets the learning rates and the start to the surface's defaults.
    """

    def __init__(self, surface="bowl", optimizers=("sgd", "momentum", "adam"), steps=200,
                 condition=20.0):
        super().__init__(figsize=(9.6, 4.0), ncols=2, width_ratios=(1.3, 1.0),
                         margins={"left": 0.075, "wspace": 0.2})
        for name in optimizers:
            core._choice(name, "optimizers", core.OPTIMIZER_NAMES)
        surf = core.make_surface(surface, condition)
        self.controls = {
            "surface": w.Dropdown(options=[(core.SURFACE_LABELS[k], k) for k in core.SURFACE_NAMES],
                                  value=surface, description="surface", style=_WIDE),
            "condition": w.FloatLogSlider(value=condition, base=10, min=0, max=2, step=0.05,
                                          description="bowl condition number κ", style=_WIDE,
                                          readout_format=".3g"),
            "steps": w.IntSlider(value=steps, min=1, max=1000, description="steps", style=_WIDE),
            "start_x": w.FloatSlider(value=surf.start[0], min=surf.bounds[0], max=surf.bounds[1],
                                     step=0.01, description="start x", style=_WIDE),
            "start_y": w.FloatSlider(value=surf.start[1], min=surf.bounds[2], max=surf.bounds[3],
                                     step=0.01, description="start y", style=_WIDE),
        }
        rows = []
        for index, name in enumerate(core.OPTIMIZER_NAMES):
            color = core.PALETTE[index]
            box = w.Checkbox(value=name in optimizers, indent=False,
                             description=core.OPTIMIZER_LABELS[name],
                             layout=w.Layout(width="150px"))
            lr = w.FloatLogSlider(value=surf.default_lr[name], base=10, min=-5, max=1, step=0.05,
                                  description="lr", readout_format=".2g",
                                  layout=w.Layout(width="260px"))
            self.controls[f"{name}.show"] = box
            self.controls[f"{name}.lr"] = lr
            extras = []
            for hyper, default in core.OPTIMIZER_DEFAULTS[name].items():
                slider = _HYPER_SLIDERS[hyper](default)
                slider.layout = w.Layout(width="260px")
                self.controls[f"{name}.{hyper}"] = slider
                extras.append(slider)
            swatch = w.HTML(f"<span style='color:{color};font-size:20px'>━━</span>")
            rows.append(w.HBox([swatch, box, lr, *extras]))
        ax_c, ax_l = self.axes
        self.paths, self.loss_lines = {}, {}
        for index, name in enumerate(core.OPTIMIZER_NAMES):
            color = core.PALETTE[index]
            self.paths[name] = (ax_c.plot([], [], "-", color=color, lw=1.6, marker=".", ms=3,
                                          label=core.OPTIMIZER_LABELS[name], animated=True)[0],
                                ax_c.plot([], [], "o", color=color, mec="white", ms=7,
                                          animated=True)[0])
            self.loss_lines[name] = ax_l.plot([], [], color=color, lw=1.6,
                                              label=core.OPTIMIZER_LABELS[name], animated=True)[0]
        self.start_dot = ax_c.plot([], [], "s", color="black", ms=6, zorder=5, animated=True)[0]
        self.min_dot = ax_c.plot([], [], "*", color="white", mec="black", ms=13, zorder=5)[0]
        ax_l.set_yscale("log")
        ax_l.set_xlabel("step")
        ax_l.set_ylabel("f − f_min")
        ax_l.grid(True, color=_GRID_COLOR, which="major")
        ax_c.set_xlabel("x")
        ax_c.set_ylabel("y")
        self._surface_key = None
        self._contours = []
        self.surface = surf
        self.controls["surface"].observe(self._on_surface, names="value")
        self.controls["condition"].observe(self._on_condition, names="value")
        top = w.VBox([w.HBox([self.controls["surface"], self.controls["condition"]]),
                      w.HBox([self.controls["steps"], self.controls["start_x"],
                              self.controls["start_y"]])])
        self.widget = w.VBox([top, *rows, self.image, self.readout])
        self._watch()
        self.redraw()

    def _on_surface(self, change) -> None:
        """A new surface: reset the start point and learning rates to its defaults, redraw once."""
        self._holding = True
        try:
            surf = core.make_surface(change["new"], self.controls["condition"].value)
            x, y = self.controls["start_x"], self.controls["start_y"]
            for slider, low, high, value in ((x, surf.bounds[0], surf.bounds[1], surf.start[0]),
                                             (y, surf.bounds[2], surf.bounds[3], surf.start[1])):
                slider.min, slider.max = min(low, slider.min), max(high, slider.max)
                slider.value = value
                slider.min, slider.max = low, high
            for name in core.OPTIMIZER_NAMES:
                self.controls[f"{name}.lr"].value = surf.default_lr[name]
        finally:
            self._holding = False
        self.redraw()

    def _on_condition(self, _change) -> None:
        if self.controls["surface"].value == "bowl" and not self._holding:
            self.redraw()

    def _watch(self) -> None:
        for key, control in self.controls.items():
            if key not in ("surface", "condition"):
                control.observe(self._on_change, names="value")

    def _draw_surface(self, surf: core.Surface) -> None:
        ax = self.axes[0]
        for artist in self._contours:
            artist.remove()
        xs, ys, Z = surf.grid(121)
        levels = surf.contour_levels(14)
        gap = np.maximum(Z - surf.min_value, levels[0] * 0.5)
        filled = ax.contourf(xs, ys, gap, levels=np.concatenate([[levels[0] * 0.5], levels,
                                                                   [gap.max() * 1.01]]),
                             cmap="Blues_r", norm="log", alpha=0.85)
        lines = ax.contour(xs, ys, gap, levels=levels, colors="#335", linewidths=0.5, alpha=0.5)
        self._contours = [filled, lines]
        x_min, x_max, y_min, y_max = surf.bounds
        ax.set_xlim(x_min, x_max)
        ax.set_ylim(y_min, y_max)
        ax.set_aspect("equal")
        ax.set_title(surf.formula, fontsize=10)
        self.min_dot.set_data([surf.minimum[0]], [surf.minimum[1]])

    def trajectories(self) -> dict[str, core.Trajectory]:
        """The trajectories of the ticked optimizers for the current controls."""
        c = self.controls
        surf = self.surface
        start = (c["start_x"].value, c["start_y"].value)
        result = {}
        for name in core.OPTIMIZER_NAMES:
            if not c[f"{name}.show"].value:
                continue
            hyper = {h: c[f"{name}.{h}"].value for h in core.OPTIMIZER_DEFAULTS[name]}
            result[name] = core.run_optimizer(surf, name, c[f"{name}.lr"].value,
                                              steps=c["steps"].value, start=start, **hyper)
        return result

    def _moving_artists(self):
        return [*self.loss_lines.values(), *(p for pair in self.paths.values() for p in pair),
                self.start_dot]

    def _update(self):
        c = self.controls
        key = (c["surface"].value, c["condition"].value if c["surface"].value == "bowl" else None)
        if key != self._surface_key:
            self.surface = core.make_surface(c["surface"].value, c["condition"].value)
            self._draw_surface(self.surface)
            self._surface_key = key
        surf = self.surface
        runs = self.trajectories()
        self.start_dot.set_data([c["start_x"].value], [c["start_y"].value])
        lowest, highest, rows = np.inf, 0.0, []
        for name in core.OPTIMIZER_NAMES:
            path, end = self.paths[name]
            loss_line = self.loss_lines[name]
            run = runs.get(name)
            for artist in (path, end, loss_line):
                artist.set_visible(run is not None)
            if run is None:
                continue
            path.set_data(run.points[:, 0], run.points[:, 1])
            end.set_data(run.points[-1:, 0], run.points[-1:, 1])
            gap = np.maximum(run.losses - surf.min_value, 1e-16)
            loss_line.set_data(np.arange(len(gap)), gap)
            lowest, highest = min(lowest, gap.min()), max(highest, gap.max())
            rows.append((name, run))
        ax_l = self.axes[1]
        ax_l.set_xlim(0, max(c["steps"].value, 1))
        same = (self._static_key is not None
                and self._static_key[:2] == (self._surface_key, c["steps"].value))
        current = self._static_key[2] if same else None
        ylim = (_steady_log(current, max(lowest, 1e-16), min(highest, 1e30)) if rows
                else current or (1e-3, 1.0))
        ax_l.set_ylim(*ylim)
        ax_l.set_title(f"loss above the minimum (f_min = {surf.min_value:.4g})", fontsize=10)
        self.readout.value = self._readout_html(rows)
        return (self._surface_key, c["steps"].value, ylim)

    def _readout_html(self, rows) -> str:
        if not rows:
            return "<i>Tick at least one optimizer.</i>"
        body = []
        for name, run in rows:
            x, y = run.points[-1]
            status = (f"diverged at step {run.steps}" if run.diverged
                      else f"after {run.steps} steps")
            body.append(f"<tr><td>{core.OPTIMIZER_LABELS[name]}</td><td>{status}</td>"
                        f"<td>({_fmt(x)}, {_fmt(y)})</td>"
                        f"<td>{_fmt(run.losses[-1] - self.surface.min_value)}</td></tr>")
        return ("<table><tr><th style='text-align:left'>optimizer</th><th></th><th>point</th>"
                "<th>f − f_min</th></tr>" + "".join(body) + "</table>")


def optimizer_explorer(**kwargs) -> OptimizerExplorer:
    """Race nnlib's optimizers on a 2-D surface; see :class:`OptimizerExplorer` for the options."""
    return OptimizerExplorer(**kwargs)


# --- gradient-flow explorer ------------------------------------------------------------------

class GradientFlowExplorer(_Explorer):
    """Forward signal and gradient size per layer of a deep MLP at initialization.

    Controls: depth, activation, initialization, residual connections on or off.
    """

    def __init__(self, depth=20, activation="sigmoid", init="xavier", residual=False):
        super().__init__(figsize=(9.6, 3.6), ncols=2)
        self.controls = {
            "depth": w.IntSlider(value=depth, min=1, max=50, description="depth (hidden layers)",
                                 style=_WIDE),
            "activation": w.Dropdown(options=[(core.ACTIVATION_LABELS[a], a)
                                              for a in core.FLOW_ACTIVATIONS],
                                     value=activation, description="activation", style=_WIDE),
            "init": w.Dropdown(options=[(text, key) for key, text in core.FLOW_INITS.items()],
                               value=init, description="initialization", style=_WIDE),
            "residual": w.Checkbox(value=residual, description="residual connections",
                                   indent=False),
        }
        ax_fwd, ax_bwd = self.axes
        (self.std_line,) = ax_fwd.plot([], [], "o-", color=core.PALETTE[0], ms=3, animated=True)
        (self.out_line,) = ax_bwd.plot([], [], "o-", color=core.PALETTE[3], ms=3, animated=True,
                                       label="‖∂L/∂h‖  (gradient at the layer's output)")
        (self.weight_line,) = ax_bwd.plot([], [], "s-", color=core.PALETTE[2], ms=3,
                                          animated=True, label="‖∂L/∂W‖  (weight gradient)")
        ax_bwd.legend(loc="best", fontsize=8)
        ax_fwd.set_title("forward: std of each layer's output")
        ax_bwd.set_title("backward: gradient norm per layer")
        for ax in self.axes:
            ax.set_yscale("log")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("layer (1 = next to the input)")
            ax.grid(True, color=_GRID_COLOR)
        self.widget = w.VBox([
            w.HBox([self.controls["depth"], self.controls["activation"]]),
            w.HBox([self.controls["init"], self.controls["residual"]]),
            self.image, self.readout,
        ])
        self._watch()
        self.redraw()

    def _moving_artists(self):
        return [self.std_line, self.out_line, self.weight_line]

    def _update(self):
        c = self.controls
        with one_blas_thread():
            flow = core.gradient_flow(c["depth"].value, c["activation"].value, c["init"].value,
                                      residual=c["residual"].value)
        depth = len(flow.activation_stds)
        layers_ = np.arange(1, depth + 1)
        tiny = 1e-300
        self.std_line.set_data(layers_, np.maximum(flow.activation_stds, tiny))
        self.out_line.set_data(layers_, np.maximum(flow.output_grad_norms, tiny))
        self.weight_line.set_data(np.arange(1, depth + 2), np.maximum(flow.weight_grad_norms, tiny))
        limits = [depth]
        same = self._static_key is not None and self._static_key[0] == depth
        for index, (ax, series) in enumerate((
                (self.axes[0], [flow.activation_stds]),
                (self.axes[1], [flow.output_grad_norms, flow.weight_grad_norms]))):
            values = np.concatenate(series)
            values = values[values > 0]
            low, high = (values.min(), values.max()) if values.size else (1e-3, 1.0)
            ylim = _steady_log(self._static_key[index + 1] if same else None, low, high)
            ax.set_ylim(*ylim)
            ax.set_xlim(0.5, depth + 1.5)
            limits.append(ylim)
        first, last = flow.weight_grad_norms[0], flow.weight_grad_norms[-2]
        ratio = first / last if last > 0 else np.inf
        self.readout.value = (
            f"loss {_fmt(flow.loss)} · ‖∂L/∂W‖ at layer 1: {_fmt(first)}, at layer {depth}: "
            f"{_fmt(last)} · ratio first/last {_fmt(ratio)}"
        )
        return tuple(limits)


def gradient_flow_explorer(**kwargs) -> GradientFlowExplorer:
    """Watch gradients vanish or explode with depth; see :class:`GradientFlowExplorer`."""
    return GradientFlowExplorer(**kwargs)


# --- regularization explorer -----------------------------------------------------------------

class RegularizationExplorer(_Explorer):
    """A small network trained on noisy two-moons data with L1/L2, dropout and batch norm.

    Controls: penalty (none, L1, L2) and its strength, dropout rate, batch norm, epochs.
    Each change retrains (about a second), so the sliders update when released.
    """

    def __init__(self, penalty="none", strength=1e-3, dropout=0.0, batch_norm=False,
                 epochs=300, seed=0):
        super().__init__(figsize=(9.6, 3.8), ncols=2)
        self.data = core.regularization_data(seed)
        self.seed = seed
        self.controls = {
            "penalty": w.ToggleButtons(options=[("none", "none"), ("L1", "l1"), ("L2", "l2")],
                                       value=penalty, description="penalty", style=_WIDE),
            "strength": w.FloatLogSlider(value=strength, base=10, min=-5, max=-0.5, step=0.25,
                                         description="strength λ", readout_format=".2g",
                                         continuous_update=False, style=_WIDE),
            "dropout": w.FloatSlider(value=dropout, min=0.0, max=0.8, step=0.05,
                                     description="dropout p", continuous_update=False,
                                     style=_WIDE),
            "batch_norm": w.Checkbox(value=batch_norm, description="batch norm", indent=False),
            "epochs": w.IntSlider(value=epochs, min=20, max=800, step=20, description="epochs",
                                  continuous_update=False, style=_WIDE),
        }
        ax_b, ax_c = self.axes
        X_train, y_train, X_val, y_val = self.data
        self._boundary = []
        for X, y, size, alpha, edge in ((X_val, y_val, 8, 0.35, "none"),
                                        (X_train, y_train, 28, 1.0, "black")):
            ax_b.scatter(X[:, 0], X[:, 1], c=np.where(y[:, 0] > 0.5, core.PALETTE[1],
                                                      core.PALETTE[0]),
                         s=size, alpha=alpha, edgecolors=edge, linewidths=0.6, zorder=3)
        x_min, x_max, y_min, y_max = core.REGULARIZATION_BOUNDS
        ax_b.set_xlim(x_min, x_max)
        ax_b.set_ylim(y_min, y_max)
        ax_b.set_aspect("equal")
        ax_b.set_title("decision boundary (big dots: training set)", fontsize=10)
        (self.train_line,) = ax_c.plot([], [], color=core.PALETTE[0], lw=2, label="training")
        (self.val_line,) = ax_c.plot([], [], color=core.PALETTE[3], lw=2, label="validation")
        ax_c.set_xlabel("epoch")
        ax_c.set_ylabel("cross-entropy")
        ax_c.set_title("loss (evaluation mode, without the penalty)", fontsize=10)
        ax_c.grid(True, color=_GRID_COLOR)
        ax_c.legend(loc="best", fontsize=8)
        self.widget = w.VBox([
            w.HBox([self.controls["penalty"], self.controls["strength"]]),
            w.HBox([self.controls["dropout"], self.controls["batch_norm"],
                    self.controls["epochs"]]),
            self.image, self.readout,
        ])
        self._watch()
        self.redraw()

    def _update(self) -> None:
        c = self.controls
        with one_blas_thread():
            run = core.train_regularized(c["penalty"].value, c["strength"].value,
                                         c["dropout"].value, c["batch_norm"].value,
                                         epochs=c["epochs"].value, seed=self.seed, data=self.data)
        ax_b, ax_c = self.axes
        for artist in self._boundary:
            artist.remove()
        filled = ax_b.contourf(run.grid_x, run.grid_y, run.probability,
                               levels=np.linspace(0, 1, 11), cmap=_CLASS_CMAP, alpha=0.5, zorder=1)
        line = ax_b.contour(run.grid_x, run.grid_y, run.probability, levels=[0.5],
                            colors="black", linewidths=1.2, zorder=2)
        self._boundary = [filled, line]
        h = run.history
        self.train_line.set_data(h["epoch"], h["train_loss"])
        self.val_line.set_data(h["epoch"], h["val_loss"])
        top = max(np.max(h["train_loss"]), np.max(h["val_loss"]))
        ax_c.set_xlim(0, h["epoch"][-1])
        ax_c.set_ylim(0, min(top, 3.0) * 1.05)
        best = int(np.argmin(h["val_loss"]))
        self.readout.value = (
            f"final: training loss {_fmt(h['train_loss'][-1])}, accuracy "
            f"{h['train_accuracy'][-1]:.0%} · validation loss {_fmt(h['val_loss'][-1])}, accuracy "
            f"{h['val_accuracy'][-1]:.0%} · best validation loss {_fmt(h['val_loss'][best])} at "
            f"epoch {int(h['epoch'][best])} · ‖W‖ = {_fmt(run.weight_norm)}, "
            f"{run.near_zero_fraction:.0%} of weights below 10⁻³"
        )


def regularization_explorer(**kwargs) -> RegularizationExplorer:
    """Train with and without regularization; see :class:`RegularizationExplorer`."""
    return RegularizationExplorer(**kwargs)


__all__ = [
    "ActivationExplorer", "activation_explorer", "OptimizerExplorer", "optimizer_explorer",
    "GradientFlowExplorer", "gradient_flow_explorer", "RegularizationExplorer",
    "regularization_explorer",
]
