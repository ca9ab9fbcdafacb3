"""The explorers for the static book: precomputed by nnlib at build time, drawn by JavaScript.

A built book page has no Python kernel, so its explorers cannot compute anything. Instead each
function here runs :mod:`explorers.core` (that is, nnlib) over a small grid of the controls
while the book is built, and returns an ``IPython.display.HTML`` output holding

- the controls (range inputs, selects, checkboxes) as plain HTML,
- the precomputed numbers as JSON (arrays as base64 little-endian binary, quantized where
  that keeps the page small; see each function for the precision),
- a small self-written JavaScript renderer (``static.js`` next to this file: no library, no
  CDN, no network) that draws on a ``<canvas>`` whenever a control moves.

So nnlib stays the single source of truth: the page only looks numbers up. Every output is
self-contained (its own data, style and a copy of the renderer, which defines itself once per
page), its element id is unique, and the renderer initializes each explorer element once, so
several explorers, or the same output rendered twice, can sit on one page.

In a notebook: ``from explorers import static; static.optimizer_explorer()``. The live
versions with every value of every control are in :mod:`explorers.widgets`.
"""
from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from explorers import core
from explorers._threads import one_blas_thread

_IDS = itertools.count(1)

LAUNCH_NOTE = (
    "For the live version, where every control takes any value, open this page as a notebook "
    "(the launch button at the top of the page, or download it) and run "
)


@lru_cache(maxsize=1)
def renderer_js() -> str:
    """The JavaScript renderer shared by all static explorers (``static.js``)."""
    return (Path(__file__).with_name("static.js")).read_text(encoding="utf-8")


_CSS = """
.nnx-explorer{border:1px solid #d0d7de;border-radius:6px;padding:.6em .8em;margin:1em 0;
 background:#fff;color:#1f2328;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}
.nnx-explorer .nnx-controls{display:flex;flex-wrap:wrap;gap:.3em 1.2em;align-items:center;
 margin-bottom:.4em}
.nnx-explorer .nnx-row{display:flex;flex-wrap:wrap;gap:.3em 1em;align-items:center;width:100%}
.nnx-explorer label{display:inline-flex;align-items:center;gap:.35em;white-space:nowrap;margin:0}
.nnx-explorer input[type=range]{width:7.5em;margin:0}
.nnx-explorer output{display:inline-block;min-width:3.4em;font-variant-numeric:tabular-nums}
.nnx-explorer .nnx-name{min-width:10.5em}
.nnx-explorer select{font:inherit;padding:0 .2em}
.nnx-explorer .nnx-swatch{display:inline-block;width:1.4em;height:.3em;border-radius:2px}
.nnx-explorer canvas{display:block;width:100%;height:auto;touch-action:pan-y}
.nnx-explorer .nnx-readout{font-size:13px;margin-top:.3em;overflow-x:auto}
.nnx-explorer .nnx-readout table{border-collapse:collapse;margin:0}
.nnx-explorer .nnx-readout td,.nnx-explorer .nnx-readout th{padding:.1em .7em .1em 0;
 border:none;text-align:left;font-variant-numeric:tabular-nums}
.nnx-explorer .nnx-note{font-size:12.5px;color:#57606a;margin:.4em 0 0}
.nnx-explorer .nnx-note code{font-size:12px}
.nnx-explorer .nnx-fallback{color:#9a6700}
"""


# --- encoding ----------------------------------------------------------------------------------

def pack(array, dtype: str) -> dict:
    """An array as ``{"t": dtype, "b": base64 of its little-endian bytes}`` for the renderer.

    ``dtype`` is ``"f4"`` (float32), ``"i2"`` (int16), ``"u2"`` (uint16) or ``"u1"`` (uint8).
    """
    if dtype not in ("f4", "i2", "u2", "u1"):
        raise ValueError(f'dtype must be "f4", "i2", "u2" or "u1", got {dtype!r}')
    data = np.ascontiguousarray(np.asarray(array).ravel(), dtype=np.dtype("<" + dtype))
    return {"t": dtype, "b": base64.b64encode(data.tobytes()).decode("ascii")}


def unpack(packed: dict) -> np.ndarray:
    """The inverse of :func:`pack` (a flat array), as the renderer decodes it."""
    return np.frombuffer(base64.b64decode(packed["b"]), dtype=np.dtype("<" + packed["t"]))


def pack_deltas(arrays, stride: int) -> dict:
    """Integer sequences, each stored as zigzag varints of its differences (``"t": "vz"``).

    ``arrays`` is a list of integer arrays of shape (n_k, ``stride``); each is differenced
    along its first axis (the first row against zeros), every difference ``d`` becomes
    ``2d`` (``d >= 0``) or ``-2d - 1`` (zigzag) and is written 7 bits per byte, low bits first,
    with the high bit set on all but the last byte. Smooth paths take one or two bytes per
    number instead of two; :func:`unpack_deltas` (and the renderer) undo it given the ``n_k``.
    """
    out = bytearray()
    for array in arrays:
        a = np.asarray(array, dtype=np.int64).reshape(-1, stride)
        d = np.diff(a, axis=0, prepend=np.zeros((1, stride), dtype=np.int64)).ravel()
        for z in np.where(d >= 0, 2 * d, -2 * d - 1).tolist():
            while z >= 128:
                out.append((z & 127) | 128)
                z >>= 7
            out.append(z)
    return {"t": "vz", "s": stride, "b": base64.b64encode(bytes(out)).decode("ascii")}


def unpack_deltas(packed: dict, lengths) -> np.ndarray:
    """The inverse of :func:`pack_deltas`: the arrays concatenated, shape (sum(lengths), stride)."""
    data, stride = base64.b64decode(packed["b"]), packed["s"]
    values, position = [], 0
    for n in lengths:
        previous = [0] * stride
        for i in range(n * stride):
            z = shift = 0
            while True:
                byte = data[position]
                position += 1
                z |= (byte & 127) << shift
                shift += 7
                if byte < 128:
                    break
            previous[i % stride] += (z >> 1) ^ -(z & 1)
            values.append(previous[i % stride])
    if position != len(data):
        raise ValueError(f"{len(data) - position} bytes left over: lengths do not match the data")
    return np.array(values, dtype=np.int64).reshape(-1, stride)


class Box:
    """Quantization of 2-D points to int16 inside ``(x_min, x_max, y_min, y_max)``.

    A coordinate maps to ``round((v - min) / (max - min) * 65535) - 32768``, so the step is
    ``(max - min) / 65535``; points outside the box are clamped to its edge.
    """

    def __init__(self, x_min, x_max, y_min, y_max):
        self.bounds = (float(x_min), float(x_max), float(y_min), float(y_max))

    def quantize(self, points) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        x_min, x_max, y_min, y_max = self.bounds
        lows, spans = np.array([x_min, y_min]), np.array([x_max - x_min, y_max - y_min])
        q = np.rint((points - lows) / spans * 65535.0) - 32768.0
        return np.clip(q, -32768, 32767).astype(np.int16)

    def dequantize(self, q) -> np.ndarray:
        x_min, x_max, y_min, y_max = self.bounds
        q = np.asarray(q, dtype=np.float64).reshape(-1, 2) + 32768.0
        return np.array([x_min, y_min]) + q / 65535.0 * np.array([x_max - x_min, y_max - y_min])

    @property
    def step(self) -> tuple[float, float]:
        x_min, x_max, y_min, y_max = self.bounds
        return (x_max - x_min) / 65535.0, (y_max - y_min) / 65535.0


# A loss gap f - f_min is stored as uint16 of log10(gap) over [LOG_GAP_MIN, LOG_GAP_MAX]:
# about 0.1% relative precision; gaps below 1e-16 show as 1e-16.
LOG_GAP_MIN, LOG_GAP_MAX = -16.0, 12.0


def quantize_gap(gap) -> np.ndarray:
    """``f - f_min`` (>= 0) to uint16 on a log scale (see ``LOG_GAP_MIN``/``LOG_GAP_MAX``)."""
    with np.errstate(divide="ignore"):
        logs = np.log10(np.maximum(np.asarray(gap, dtype=np.float64), 10.0 ** LOG_GAP_MIN))
    t = (np.clip(logs, LOG_GAP_MIN, LOG_GAP_MAX) - LOG_GAP_MIN) / (LOG_GAP_MAX - LOG_GAP_MIN)
    return np.rint(t * 65535.0).astype(np.uint16)


def dequantize_gap(q) -> np.ndarray:
    """The inverse of :func:`quantize_gap`, as the renderer computes it."""
    t = np.asarray(q, dtype=np.float64) / 65535.0
    return 10.0 ** (LOG_GAP_MIN + t * (LOG_GAP_MAX - LOG_GAP_MIN))


def _polylines(lines, box: Box) -> dict:
    """Polylines (a list of (k, 2) arrays) as one int16 array plus their lengths."""
    lines = [np.asarray(line) for line in lines if len(line) > 1]
    flat = np.concatenate(lines) if lines else np.zeros((0, 2))
    return {"q": pack(box.quantize(flat), "i2"), "lengths": [len(line) for line in lines]}


def _contour_lines(xs, ys, Z, levels) -> list[list[np.ndarray]]:
    """For each level, the contour polylines of ``Z`` (matplotlib's contour generator)."""
    import contourpy

    generator = contourpy.contour_generator(xs, ys, Z, line_type="Separate")
    return [generator.lines(float(level)) for level in levels]


# --- HTML ----------------------------------------------------------------------------------------

def _range(key: str, label: str, n: int, value: int) -> str:
    return (f'<label>{html.escape(label)} <input type="range" min="0" max="{n - 1}" step="1" '
            f'value="{value}" data-key="{key}"><output data-for="{key}"></output></label>')


def _select(key: str, label: str, options, value: int) -> str:
    items = "".join(f'<option value="{i}"{" selected" if i == value else ""}>'
                    f"{html.escape(text)}</option>" for i, text in enumerate(options))
    return f'<label>{html.escape(label)} <select data-key="{key}">{items}</select></label>'


def _check(key: str, label: str, checked: bool, color: str | None = None,
           css_class: str = "") -> str:
    swatch = f'<span class="nnx-swatch" style="background:{color}"></span>' if color else ""
    attribute = f' class="{css_class}"' if css_class else ""
    return (f'<label{attribute}><input type="checkbox" data-key="{key}"'
            f'{" checked" if checked else ""}>{swatch}{html.escape(label)}</label>')


def _json_for_script(spec: dict) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def explorer_html(kind: str, spec: dict, controls: str, note: str, aria: str) -> str:
    """One self-contained explorer: controls, canvas, readout, note, data and renderer."""
    data = _json_for_script({"kind": kind, **spec})
    digest = hashlib.sha1(data.encode()).hexdigest()[:8]
    uid = f"nnx-{kind}-{digest}-{next(_IDS)}"
    return (
        f'<div class="nnx-explorer nnx-{kind} mathjax_ignore" id="{uid}" data-nnx-kind="{kind}">'
        f"<style>{_CSS}</style>"
        f'<div class="nnx-controls">{controls}</div>'
        f'<canvas class="nnx-canvas" role="img" aria-label="{html.escape(aria)}"></canvas>'
        '<div class="nnx-readout" aria-live="polite"><span class="nnx-fallback">This explorer '
        "draws with JavaScript; if you see no figure, JavaScript is off or the notebook is "
        "not trusted.</span></div>"
        f'<p class="nnx-note">{note}</p>'
        f'<script type="application/json" class="nnx-data">{data}</script>'
        f"</div><script>{renderer_js()}</script>"
    )


def _output(markup: str):
    from IPython.display import HTML

    return HTML(markup)


def _note(can_change: str, call: str, more: str) -> str:
    return (f"<b>Precomputed with nnlib when this book was built.</b> Here you can change "
            f"{can_change}. {LAUNCH_NOTE}<code>from explorers import {call}; {call}()</code>"
            f" ({more}).")


# --- activation explorer ------------------------------------------------------------------------

ACTIVATION_GRID = dict(x_min=-8.0, x_max=8.0, n_points=641)
LEAKY_SLOPES = (0.0, 0.01, 0.05, 0.1, 0.2, 0.3)
THRESHOLDS = (1e-4, 1e-3, 1e-2, 0.05, 0.1)
HALF_WIDTHS = (1.0, 2.0, 4.0, 6.0, 8.0)
X0_STEP = 0.1


def activation_spec(selected=("sigmoid", "tanh", "relu")) -> dict:
    """The data behind the static activation explorer (see :func:`activation_explorer`).

    Curves are nnlib's values on a grid of ``ACTIVATION_GRID`` (step 0.025), as float32; leaky
    ReLU once per slope in ``LEAKY_SLOPES``. ``regions[t][key]`` are
    :func:`core.vanishing_regions` for threshold ``THRESHOLDS[t]`` (key ``"leaky_relu:k"`` for
    slope ``k``).
    """
    x = core.input_grid(**ACTIVATION_GRID)
    acts, regions = [], [dict() for _ in THRESHOLDS]
    for index, name in enumerate(core.ACTIVATION_NAMES):
        slopes = LEAKY_SLOPES if name == "leaky_relu" else (0.01,)
        fs, ds = [], []
        for k, slope in enumerate(slopes):
            f, d = core.activation_curve(name, x, slope)
            fs.append(pack(f, "f4"))
            ds.append(pack(d, "f4"))
            key = f"{name}:{k}" if name == "leaky_relu" else name
            for t, threshold in enumerate(THRESHOLDS):
                regions[t][key] = [list(r) for r in core.vanishing_regions(x, d, threshold)]
        low, high = core.ACTIVATIONS[name].range
        acts.append({"key": name, "label": core.ACTIVATION_LABELS[name],
                     "color": core.PALETTE[index], "f": fs, "d": ds, "perSlope": len(slopes) > 1,
                     "range": [_finite_or_none(low), _finite_or_none(high)],
                     "closed": list(core.ACTIVATIONS[name].closed),
                     "shown": name in selected})
    return {
        "x": {"min": ACTIVATION_GRID["x_min"], "max": ACTIVATION_GRID["x_max"],
              "n": ACTIVATION_GRID["n_points"]},
        "acts": acts, "regions": regions, "slopes": list(LEAKY_SLOPES),
        "thresholds": list(THRESHOLDS), "halfWidths": list(HALF_WIDTHS), "x0Step": X0_STEP,
    }


def _finite_or_none(value: float):
    return value if math.isfinite(value) else None


def activation_explorer(selected=("sigmoid", "tanh", "relu"), half_width=6.0, x0=1.0,
                        negative_slope=0.1, threshold=0.01):
    """The static activation explorer: tick activations, move the range, the point, the slope.

    Returns an ``IPython.display.HTML`` output; the initial control values must be on the grid
    (``HALF_WIDTHS``, multiples of 0.1 for ``x0``, ``LEAKY_SLOPES``, ``THRESHOLDS``).
    """
    spec = activation_spec(selected)
    x0_values = np.round(np.arange(-80, 81) * X0_STEP, 10)
    x0_index = _grid_index(x0_values, x0, "x0")
    controls = (
        '<div class="nnx-row">'
        + "".join(_check(f"show.{a['key']}", a["label"], a["shown"], a["color"])
                  for a in spec["acts"])
        + '</div><div class="nnx-row">'
        + _range("halfWidth", "input range ±", len(HALF_WIDTHS),
                 _grid_index(HALF_WIDTHS, half_width, "half_width"))
        + _range("x0", "point x₀", len(x0_values), x0_index)
        + _range("slope", "leaky slope α", len(LEAKY_SLOPES),
                 _grid_index(LEAKY_SLOPES, negative_slope, "negative_slope"))
        + _range("threshold", "vanishing below |f′| <", len(THRESHOLDS),
                 _grid_index(THRESHOLDS, threshold, "threshold"))
        + "</div>"
    )
    note = _note("which activations are shown, the input range, the point x₀ (in steps of "
                 "0.1), leaky ReLU's slope α and the vanishing threshold (a few values each)",
                 "activation_explorer", "any range, slope and threshold")
    return _output(explorer_html("activation", spec, controls, note,
                                 "Activation functions and their derivatives"))


def _grid_index(values, value, name: str) -> int:
    values = np.asarray(values, dtype=np.float64)
    index = int(np.argmin(np.abs(values - value)))
    if not math.isclose(values[index], value, rel_tol=1e-9, abs_tol=1e-12):
        raise ValueError(f"{name} must be one of {values.tolist()} in the static explorer, "
                         f"got {value!r}")
    return index


# --- optimizer explorer -------------------------------------------------------------------------

BOWL_CONDITIONS = (1.0, 4.0, 20.0, 100.0)
LR_FACTORS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
STATIC_HYPER = {
    "sgd": {},
    "momentum": {"momentum": (0.5, 0.9, 0.99)},
    "rmsprop": {"alpha": (0.9, 0.99)},
    "adam": {"beta1": (0.0, 0.9, 0.99)},
    "adamw": {"weight_decay": (0.01, 0.1, 1.0)},
}
"""The hyper-parameter values of the static optimizer explorer (besides ``lr``)."""
HYPER_LABELS = {"momentum": "μ", "alpha": "α", "beta1": "β₁", "beta2": "β₂",
                "weight_decay": "λ"}
STATIC_STEPS = 200
HEAT_SIZE = 96


def lr_ladder(default: float) -> list[float]:
    """Seven learning rates around ``default``: ``default`` times ``LR_FACTORS``, 2 digits."""
    return [float(f"{default * factor:.2g}") for factor in LR_FACTORS]


def hyper_grid(name: str, surface: core.Surface) -> tuple[list[str], list[list[float]]]:
    """The parameter names (``lr`` first) and value lists of optimizer ``name`` on ``surface``.

    Trajectory ``i`` of an optimizer is the ``i``-th combination in row-major order (the last
    parameter varies fastest), as :func:`itertools.product` lists them.
    """
    names = ["lr", *STATIC_HYPER[name]]
    values = [lr_ladder(surface.default_lr[name]), *[list(v) for v in STATIC_HYPER[name].values()]]
    return names, values


def _trajectory_record(run: core.Trajectory, surface: core.Surface, box: Box):
    q_points = box.quantize(run.points)
    q_gap = quantize_gap(run.losses - surface.min_value)
    keep = len(q_points)
    if not run.diverged:  # drop the tail once nothing visible changes any more
        same = np.all(q_points == q_points[-1], axis=1) & (q_gap == q_gap[-1])
        changing = np.flatnonzero(~same)
        keep = 1 if changing.size == 0 else int(changing[-1]) + 2
    return q_points[:keep], q_gap[:keep], (run.steps if run.diverged else -1)


def trajectory_box(surface: core.Surface) -> Box:
    """The quantization box of a surface: its view, widened by one view size on each side."""
    x_min, x_max, y_min, y_max = surface.bounds
    w, h = x_max - x_min, y_max - y_min
    return Box(x_min - w, x_max + w, y_min - h, y_max + h)


def surface_spec(surface: core.Surface, steps: int = STATIC_STEPS) -> dict:
    """Everything drawn for one surface: heat map, contour lines, and all trajectories.

    - ``heat``: ``log10(f - f_min)`` on a ``HEAT_SIZE`` square grid over the view, as uint8
      between ``lo`` and ``hi`` (row 0 at ``y_min``);
    - ``contours``: the lines of :meth:`core.Surface.contour_levels` (14 levels);
    - ``traj[name]``: for each combination of :func:`hyper_grid`, the path of
      :func:`core.run_optimizer` from ``surface.start`` for ``steps`` steps: points quantized
      with :func:`trajectory_box`, gaps with :func:`quantize_gap`, cut once nothing changes
      (``n`` entries; the last one holds to the end), both stored with :func:`pack_deltas`,
      and ``div`` the step at which it diverged (-1 if not).
    """
    box = trajectory_box(surface)
    xs, ys, Z = surface.grid(HEAT_SIZE)
    levels = surface.contour_levels(14)
    floor = levels[0] * 0.3
    logs = np.log10(np.maximum(Z - surface.min_value, floor))
    lo, hi = float(logs.min()), float(logs.max())
    heat = np.rint((logs - lo) / max(hi - lo, 1e-12) * 255).astype(np.uint8)
    cx, cy, CZ = surface.grid(121)
    lines = [line for per_level in _contour_lines(cx, cy, CZ - surface.min_value, levels)
             for line in per_level]
    traj = {}
    for name in core.OPTIMIZER_NAMES:
        names, values = hyper_grid(name, surface)
        points, gaps, lengths, diverged = [], [], [], []
        for combo in itertools.product(*values):
            hyper = dict(zip(names, combo))
            run = core.run_optimizer(surface, name, hyper.pop("lr"), steps=steps, **hyper)
            q_points, q_gap, div = _trajectory_record(run, surface, box)
            points.append(q_points)
            gaps.append(q_gap)
            lengths.append(len(q_gap))
            diverged.append(div)
        traj[name] = {"params": names, "values": values, "n": lengths, "div": diverged,
                      "p": pack_deltas(points, 2), "g": pack_deltas(gaps, 1)}
    return {
        "label": surface.label, "formula": surface.formula, "bounds": list(surface.bounds),
        "start": list(surface.start), "minimum": list(surface.minimum),
        "fmin": surface.min_value, "box": list(box.bounds),
        "heat": {"n": HEAT_SIZE, "lo": lo, "hi": hi, "data": pack(heat, "u1")},
        "contours": _polylines(lines, box), "traj": traj,
    }


def optimizer_spec(steps: int = STATIC_STEPS) -> dict:
    """The data behind the static optimizer explorer: one :func:`surface_spec` per surface
    (the bowl once per condition number in ``BOWL_CONDITIONS``)."""
    surfaces = []
    for name in core.SURFACE_NAMES:
        conditions = BOWL_CONDITIONS if name == "bowl" else (None,)
        variants = [surface_spec(core.make_surface(name, c) if c else core.make_surface(name), steps)
                    for c in conditions]
        surfaces.append({"key": name, "label": core.SURFACE_LABELS[name], "variants": variants,
                         "conditions": list(conditions) if name == "bowl" else None})
    optimizers = [{"key": n, "label": core.OPTIMIZER_LABELS[n], "color": core.PALETTE[i],
                   "hyperLabels": [HYPER_LABELS[h] for h in STATIC_HYPER[n]]}
                  for i, n in enumerate(core.OPTIMIZER_NAMES)]
    return {"surfaces": surfaces, "optimizers": optimizers, "steps": steps,
            "logGap": [LOG_GAP_MIN, LOG_GAP_MAX]}


def optimizer_explorer(surface="bowl", condition=20.0, optimizers=("sgd", "momentum", "adam"),
                       steps=STATIC_STEPS):
    """The static optimizer explorer: surface, steps, and each optimizer's hyper-parameters.

    Returns an ``IPython.display.HTML`` output. Every optimizer starts at its default
    (``surface.default_lr``, the middle of its ladder, and the defaults of
    :data:`core.OPTIMIZER_DEFAULTS` where they are on the grid).
    """
    with one_blas_thread():
        spec = optimizer_spec(steps)
    surface_index = core.SURFACE_NAMES.index(core._choice(surface, "surface", core.SURFACE_NAMES))
    rows = []
    for opt in spec["optimizers"]:
        name = opt["key"]
        cells = [_check(f"show.{name}", opt["label"], name in optimizers, opt["color"],
                        "nnx-name"),
                 _range(f"{name}.lr", "lr", len(LR_FACTORS), LR_FACTORS.index(1.0))]
        for hyper, values in STATIC_HYPER[name].items():
            default = core.OPTIMIZER_DEFAULTS[name][hyper]
            index = (values.index(default) if default in values else len(values) // 2)
            cells.append(_range(f"{name}.{hyper}", HYPER_LABELS[hyper], len(values), index))
        rows.append('<div class="nnx-row">' + "".join(cells) + "</div>")
    controls = (
        '<div class="nnx-row">'
        + _select("surface", "surface", [s["label"] for s in spec["surfaces"]], surface_index)
        + _range("condition", "bowl condition number κ", len(BOWL_CONDITIONS),
                 _grid_index(BOWL_CONDITIONS, condition, "condition"))
        + (f'<label>steps <input type="range" min="0" max="{steps}" step="1" value="{steps}" '
           'data-key="steps"><output data-for="steps"></output></label>')
        + "</div>" + "".join(rows)
    )
    note = _note("the surface, the bowl's condition number, the number of steps, which "
                 "optimizers run, and for each its learning rate (seven values around a "
                 "sensible one) and its other hyper-parameters (two or three values each); "
                 "every path starts at the black square",
                 "optimizer_explorer", "any values, any start point, up to 1000 steps")
    return _output(explorer_html("optimizer", spec, controls, note,
                                 "Optimizer paths on a loss surface and their loss per step"))


# --- gradient-flow explorer ---------------------------------------------------------------------

FLOW_DEPTHS = (1, 2, 3, 5, 8, 10, 15, 20, 30, 40, 50)


def gradient_flow_spec(depths=FLOW_DEPTHS) -> dict:
    """The data behind the static gradient-flow explorer.

    For every activation in :data:`core.FLOW_ACTIVATIONS`, initialization in
    :data:`core.FLOW_INITS`, residual off/on and depth in ``depths`` (in that nesting
    order, depth fastest), :func:`core.gradient_flow` gives ``3 depth + 2`` numbers, stored
    as float32 ``log10`` values: the activation stds (depth), the output-gradient norms
    (depth), the weight-gradient norms (depth + 1) and the loss; ``offsets[i]`` is where
    configuration ``i`` starts.
    """
    values, offsets = [], []
    with np.errstate(divide="ignore"):
        for activation in core.FLOW_ACTIVATIONS:
            for init in core.FLOW_INITS:
                for residual in (False, True):
                    for depth in depths:
                        flow = core.gradient_flow(depth, activation, init, residual=residual)
                        offsets.append(sum(len(v) for v in values))
                        values.append(np.log10(np.concatenate([
                            flow.activation_stds, flow.output_grad_norms,
                            flow.weight_grad_norms, [flow.loss]])))
    return {
        "depths": [int(d) for d in depths],
        "activations": [{"key": a, "label": core.ACTIVATION_LABELS[a]}
                        for a in core.FLOW_ACTIVATIONS],
        "inits": [{"key": k, "label": text} for k, text in core.FLOW_INITS.items()],
        "offsets": offsets, "log10": pack(np.concatenate(values), "f4"),
        "colors": [core.PALETTE[0], core.PALETTE[3], core.PALETTE[2]],
    }


def gradient_flow_explorer(depth=20, activation="sigmoid", init="xavier", residual=False,
                           depths=FLOW_DEPTHS):
    """The static gradient-flow explorer: depth, activation, initialization, residual.

    One network per combination, for each depth in ``depths`` (which must contain ``depth``).
    """
    with one_blas_thread():
        spec = gradient_flow_spec(depths)
    controls = (
        '<div class="nnx-row">'
        + _range("depth", "depth (hidden layers)", len(depths), _grid_index(depths, depth, "depth"))
        + _select("activation", "activation", [a["label"] for a in spec["activations"]],
                  core.FLOW_ACTIVATIONS.index(core._choice(activation, "activation",
                                                           core.FLOW_ACTIVATIONS)))
        + _select("init", "initialization", [i["label"] for i in spec["inits"]],
                  list(core.FLOW_INITS).index(core._choice(init, "init", core.FLOW_INITS)))
        + _check("residual", "residual connections", residual)
        + "</div>"
    )
    note = _note(f"the depth ({', '.join(map(str, depths))} hidden layers of width 64), "
                 "the activation, the initialization and residual connections; each picture "
                 "is one forward and backward pass of a freshly initialized nnlib network on "
                 "a random batch",
                 "gradient_flow_explorer", "every depth from 1 to 50")
    return _output(explorer_html("gradient-flow", spec, controls, note,
                                 "Gradient and signal size per layer of a deep network"))


# --- regularization explorer -------------------------------------------------------------------

REG_STRENGTHS = (1e-3, 3e-3, 1e-2, 3e-2)
REG_DROPOUTS = (0.0, 0.2, 0.5)
REG_GRID = 48


def regularization_key(penalty: str, strength_index: int, dropout_index: int, batch_norm: bool) -> str:
    """The key of one precomputed run, as the renderer builds it."""
    strength = "-" if penalty == "none" else str(strength_index)
    return f"{penalty}|{strength}|{dropout_index}|{int(batch_norm)}"


def regularization_spec(epochs: int = 300, strengths=REG_STRENGTHS, dropouts=REG_DROPOUTS) -> dict:
    """The data behind the static regularization explorer: one :func:`core.train_regularized`
    run per penalty (none, or L1/L2 at each of ``REG_STRENGTHS``), dropout in
    ``REG_DROPOUTS`` and batch norm off/on.

    Per run: the class-1 probability on a ``REG_GRID`` square grid as uint8 (``p * 255``),
    the 0.5 contour (matplotlib's contour generator on that grid, int16 in the view), the
    train/validation loss curves (float32) and the final numbers for the readout.
    """
    data = core.regularization_data(0)
    X_train, y_train, X_val, y_val = data
    x_min, x_max, y_min, y_max = core.REGULARIZATION_BOUNDS
    box = Box(x_min, x_max, y_min, y_max)
    runs, epochs_seen = {}, None
    for penalty in core.PENALTIES:
        grid = [(0, 0.0)] if penalty == "none" else list(enumerate(strengths))
        for s_index, strength in grid:
            for d_index, dropout in enumerate(dropouts):
                for batch_norm in (False, True):
                    run = core.train_regularized(penalty, strength, dropout, batch_norm,
                                                 epochs=epochs, grid_size=REG_GRID, data=data)
                    h = run.history
                    epochs_seen = h["epoch"]
                    best = int(np.argmin(h["val_loss"]))
                    boundary = _contour_lines(run.grid_x, run.grid_y, run.probability, [0.5])[0]
                    runs[regularization_key(penalty, s_index, d_index, batch_norm)] = {
                        "p": pack(np.rint(run.probability * 255), "u1"),
                        "boundary": _polylines(boundary, box),
                        "train": pack(h["train_loss"], "f4"), "val": pack(h["val_loss"], "f4"),
                        "trainAcc": float(h["train_accuracy"][-1]),
                        "valAcc": float(h["val_accuracy"][-1]),
                        "best": [int(h["epoch"][best]), float(h["val_loss"][best])],
                        "wnorm": run.weight_norm, "zeros": run.near_zero_fraction,
                    }
    return {
        "bounds": list(core.REGULARIZATION_BOUNDS), "grid": REG_GRID, "box": list(box.bounds),
        "train": {"x": pack(X_train, "f4"), "y": pack(y_train[:, 0], "u1")},
        "val": {"x": pack(X_val, "f4"), "y": pack(y_val[:, 0], "u1")},
        "epochs": [int(e) for e in epochs_seen], "strengths": [float(v) for v in strengths],
        "dropouts": [float(v) for v in dropouts], "runs": runs,
        "colors": [core.PALETTE[0], core.PALETTE[1], core.PALETTE[3]],
    }


def regularization_explorer(penalty="none", strength=1e-2, dropout=0.0, batch_norm=False,
                            epochs=300, strengths=REG_STRENGTHS, dropouts=REG_DROPOUTS):
    """The static regularization explorer: penalty and strength, dropout, batch norm.

    One training run per combination of the grids (``strengths`` and ``dropouts`` can be
    made smaller, for example in tests); the initial values must be on them.
    """
    with one_blas_thread():
        spec = regularization_spec(epochs, strengths, dropouts)
    controls = (
        '<div class="nnx-row">'
        + _select("penalty", "penalty", ["none", "L1: λ·Σ|w|", "L2: λ/2·Σw²"],
                  core.PENALTIES.index(core._choice(penalty, "penalty", core.PENALTIES)))
        + _range("strength", "strength λ", len(strengths),
                 _grid_index(strengths, strength, "strength"))
        + _range("dropout", "dropout p", len(dropouts), _grid_index(dropouts, dropout, "dropout"))
        + _check("batchNorm", "batch norm", batch_norm)
        + "</div>"
    )
    note = _note(f"the penalty and its strength ({', '.join(f'{s:g}' for s in strengths)}), "
                 f"the dropout rate ({', '.join(f'{d:g}' for d in dropouts)}) and batch norm; "
                 f"each picture is a 2-64-64-1 ReLU network trained by nnlib for {epochs} epochs "
                 "(Adam, learning rate 0.01) on the 60 big dots",
                 "regularization_explorer", "any strength and dropout rate, and the number of epochs")
    return _output(explorer_html("regularization", spec, controls, note,
                                 "Decision boundary and loss curves of a regularized network"))


def attention_explorer(**kwargs):
    """The static attention explorer; see :func:`explorers.attention_static.attention_explorer`."""
    from explorers import attention_static  # it builds on this module

    return attention_static.attention_explorer(**kwargs)


def width_explorer(**kwargs):
    """The static width explorer; see :func:`explorers.width_static.width_explorer`."""
    from explorers import width_static  # it builds on this module

    return width_static.width_explorer(**kwargs)


def standalone_page(*outputs, title: str = "nnlib explorers") -> str:
    """A complete HTML document holding the given outputs (for tests and previews)."""
    body = "\n".join(getattr(o, "data", o) for o in outputs)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{html.escape(title)}</title></head><body style='max-width:900px;margin:auto'>"
            f"{body}</body></html>")


__all__ = [
    "activation_explorer", "optimizer_explorer", "gradient_flow_explorer",
    "regularization_explorer", "attention_explorer", "width_explorer", "activation_spec", "optimizer_spec", "surface_spec",
    "gradient_flow_spec", "regularization_spec", "pack", "unpack", "pack_deltas",
    "unpack_deltas", "Box", "quantize_gap",
    "dequantize_gap", "hyper_grid", "lr_ladder", "trajectory_box", "regularization_key",
    "explorer_html", "renderer_js", "standalone_page",
]
