"""Explorers: redraw latency of the live widgets, size and browser latency of the static ones.

Run from the repository root::

    python -m bench.explorers [--repeats 15] [--no-browser]

1. **Live widgets** (``explorers.widgets``): the time from setting a control's value in
   Python to the new PNG being in the ``Image`` widget (recompute with nnlib, redraw, encode),
   which is what the kernel spends before the browser gets the picture. A change that
   rescales an axis redraws everything ("full redraw": measured with the explorer's saved
   backgrounds cleared); other changes repaint only what moves. Targets: activation
   explorer < 100 ms, optimizer explorer with 3 optimizers x 200 steps < 300 ms. Baseline: the
   same data drawn the plain matplotlib way, a fresh figure per change saved as PNG (what an
   ``interact`` callback that re-plots does), measured in the same run.
2. **Static explorers** (``explorers.static``): bytes of each HTML output, and, if the book
   is built, what the explorers add to ``_build/html`` (pages and downloadable notebooks).
3. **Browser** (Debian's Chromium, headless, if present): for the full static explorers on a
   local page, the time from an input event to the end of the redraw and to the next frame.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
CHAPTERS = ("02_backpropagation", "03_activations", "04_optimization", "05_regularization")


def _times(action, values, repeats):
    """Milliseconds of ``action(value)`` for ``repeats`` values cycling through ``values``."""
    out = []
    for i in range(repeats):
        value = values[i % len(values)]
        start = time.perf_counter()
        action(value)
        out.append((time.perf_counter() - start) * 1000)
    return out


# --- baselines: the same pictures, a fresh matplotlib figure per change ----------------------

def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def baseline_activation(explorer, x0):
    """Plot the activation explorer's current curves from scratch, with the point at ``x0``."""
    from matplotlib.figure import Figure

    from explorers import core

    c = explorer.controls
    low, high = c["x_range"].value
    x = core.input_grid(low, high, explorer.n_points)
    figure = Figure(figsize=(9.2, 3.5), dpi=96, layout="tight")
    ax_f, ax_d = figure.subplots(1, 2)
    for index, name in enumerate(core.ACTIVATION_NAMES):
        if not explorer.checkboxes[name].value:
            continue
        f, d = core.activation_curve(name, x, c["negative_slope"].value)
        color = core.PALETTE[index]
        ax_f.plot(x, f, color=color, label=core.ACTIVATION_LABELS[name])
        ax_d.plot(x, d, color=color)
        value, slope = core.activation_at(name, x0, c["negative_slope"].value)
        ax_f.plot([x0], [value], "o", color=color)
        ax_d.plot([x0], [slope], "o", color=color)
        for start, end in core.vanishing_regions(x, d, c["threshold"].value):
            ax_d.axvspan(start, end, ymax=0.03, color=color, alpha=0.6)
    for ax in (ax_f, ax_d):
        ax.axvline(x0, ls="--", color="#555")
        ax.grid(True)
    ax_f.legend(loc="upper left", fontsize=8)
    return _png(figure)


def baseline_optimizer(explorer, adam_lr):
    """Plot the optimizer explorer's current picture from scratch (contours, paths, losses)."""
    from matplotlib.figure import Figure

    from explorers import core

    c = explorer.controls
    surface = explorer.surface
    figure = Figure(figsize=(9.6, 4.0), dpi=96, layout="tight")
    ax_c, ax_l = figure.subplots(1, 2, width_ratios=(1.3, 1.0))
    xs, ys, Z = surface.grid(121)
    levels = surface.contour_levels(14)
    ax_c.contourf(xs, ys, np.maximum(Z - surface.min_value, levels[0] / 2), levels=14,
                  cmap="Blues_r")
    ax_c.contour(xs, ys, Z - surface.min_value, levels=levels, colors="#335", linewidths=0.5)
    for index, name in enumerate(core.OPTIMIZER_NAMES):
        if not c[f"{name}.show"].value:
            continue
        hyper = {h: c[f"{name}.{h}"].value for h in core.OPTIMIZER_DEFAULTS[name]}
        lr = adam_lr if name == "adam" else c[f"{name}.lr"].value
        run = core.run_optimizer(surface, name, lr, steps=c["steps"].value,
                                 start=(c["start_x"].value, c["start_y"].value), **hyper)
        ax_c.plot(run.points[:, 0], run.points[:, 1], ".-", color=core.PALETTE[index], ms=3)
        ax_l.semilogy(np.maximum(run.losses - surface.min_value, 1e-16), color=core.PALETTE[index])
    ax_c.set_aspect("equal")
    return _png(figure)


# --- 1. live widgets ---------------------------------------------------------------------------

def live_widgets(repeats: int) -> list[dict]:
    from explorers import widgets

    rows = []

    def measure(explorer_name, control_label, action, values, baseline=None, target=None):
        widget_ms = _times(action, values, repeats)
        row = {"explorer": explorer_name, "change": control_label,
               "median_ms": statistics.median(widget_ms), "min_ms": min(widget_ms),
               "target_ms": target}
        if baseline is not None:
            base_ms = _times(baseline, values, max(3, repeats // 3))
            row["baseline_ms"] = statistics.median(base_ms)
        rows.append(row)
        print(f"  measured {explorer_name}: {control_label}", file=sys.stderr)

    act = widgets.activation_explorer()
    c = act.controls
    measure("activation", "point x0", lambda v: setattr(c["x0"], "value", v),
            [0.5, -1.5, 2.25, -3.0], baseline=lambda v: baseline_activation(act, v), target=100)
    measure("activation", "threshold", lambda v: setattr(c["threshold"], "value", v),
            [1e-3, 1e-2, 0.1], target=100)
    measure("activation", "leaky slope (3 shown + leaky)",
            lambda v: (setattr(c["show_leaky_relu"], "value", True),
                       setattr(c["negative_slope"], "value", v)),
            [0.05, 0.2, 0.3], target=100)
    ranges = [(-4.0, 4.0), (-6.0, 6.0), (-2.0, 8.0)]
    measure("activation", "input range, new (full redraw)",
            lambda v: (act._backgrounds.clear(), setattr(c["x_range"], "value", v)), ranges,
            target=100)
    measure("activation", "input range, seen before", lambda v: setattr(c["x_range"], "value", v),
            ranges, target=100)

    opt = widgets.optimizer_explorer()  # SGD, momentum and Adam, 200 steps each
    c = opt.controls
    measure("optimizer 3x200", "Adam learning rate", lambda v: setattr(c["adam.lr"], "value", v),
            [0.05, 0.1, 0.2], baseline=lambda v: baseline_optimizer(opt, v), target=300)
    measure("optimizer 3x200", "momentum μ", lambda v: setattr(c["momentum.momentum"], "value", v),
            [0.5, 0.8, 0.95], target=300)
    measure("optimizer 3x200", "start point", lambda v: setattr(c["start_y"], "value", v),
            [1.0, 2.0, -1.5], target=300)
    measure("optimizer 3x200", "steps, new (full redraw)",
            lambda v: (opt._backgrounds.clear(), setattr(c["steps"], "value", v)),
            [150, 200, 250], target=300)
    measure("optimizer 3x200", "surface, new (full redraw)",
            lambda v: (opt._backgrounds.clear(), setattr(c["surface"], "value", v)),
            ["saddle", "bowl", "two_wells"], target=300)

    flow = widgets.gradient_flow_explorer()
    measure("gradient flow", "depth, new (full redraw)",
            lambda v: (flow._backgrounds.clear(), setattr(flow.controls["depth"], "value", v)),
            [10, 30, 50])
    measure("gradient flow", "activation", lambda v: setattr(flow.controls["activation"], "value", v),
            ["relu", "tanh", "sigmoid"])

    reg = widgets.regularization_explorer()
    measure("regularization", "dropout (retrains 300 epochs)",
            lambda v: setattr(reg.controls["dropout"], "value", v), [0.2, 0.5, 0.0])
    return rows


def print_live(rows) -> None:
    print("\nLive widgets: control set in Python -> new PNG in the Image widget (ms)\n")
    header = (f"{'explorer':<18}{'change':<32}{'median':>8}{'min':>8}{'baseline':>10}"
              f"{'speed-up':>10}{'target':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        base, median, target = r.get("baseline_ms"), r["median_ms"], r["target_ms"]
        base_text = f"{base:.1f}" if base else "-"
        speedup = f"{base / median:.1f}x" if base else "-"
        target_text = f"<{target}" if target else "-"
        print(f"{r['explorer']:<18}{r['change']:<32}{median:>8.1f}{r['min_ms']:>8.1f}"
              f"{base_text:>10}{speedup:>10}{target_text:>8}")
    print("baseline = the same picture drawn into a fresh matplotlib figure and saved as PNG\n"
          "(layout='tight'), as a callback that re-plots everything would do.")


# --- 2. static sizes ------------------------------------------------------------------------------

def static_outputs():
    from explorers import static

    outputs = {}
    for name, make in (("activation", static.activation_explorer),
                       ("optimizer", static.optimizer_explorer),
                       ("gradient flow", static.gradient_flow_explorer),
                       ("regularization", static.regularization_explorer)):
        start = time.perf_counter()
        output = make()
        outputs[name] = (output.data, time.perf_counter() - start)
        print(f"  built static {name}", file=sys.stderr)
    return outputs


_EXPLORER_HTML = re.compile(r'<div class="nnx-explorer.*?</div><script>.*?</script>', re.S)


def built_book_sizes():
    """Bytes the explorers take in the built book: in the pages and in the notebooks."""
    html_dir = REPO / "_build" / "html"
    if not (html_dir / "index.html").is_file():
        return None
    pages = notebooks = 0
    for chapter in CHAPTERS:
        page = html_dir / "chapters" / f"{chapter}.html"
        if page.is_file():
            pages += sum(len(m.group(0).encode()) for m in
                         _EXPLORER_HTML.finditer(page.read_text(encoding="utf-8")))
        notebook = html_dir / "_sources" / "chapters" / f"{chapter}.ipynb"
        if notebook.is_file():
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
            for cell in cells:
                for output in cell.get("outputs", []):
                    text = output.get("data", {}).get("text/html", "")
                    text = "".join(text) if isinstance(text, list) else text
                    if "nnx-explorer" in text:
                        notebooks += len(json.dumps(text).encode())
    total = sum(p.stat().st_size for p in html_dir.rglob("*") if p.is_file())
    return {"pages": pages, "notebooks": notebooks, "book_total": total}


def print_static(outputs, book) -> None:
    from explorers import static

    print("\nStatic explorers: size of each HTML output and time to precompute it\n")
    header = f"{'explorer':<18}{'bytes':>12}{'precompute s':>14}"
    print(header)
    print("-" * len(header))
    for name, (markup, seconds) in outputs.items():
        print(f"{name:<18}{len(markup.encode()):>12,}{seconds:>14.1f}")
    total = sum(len(m.encode()) for m, _ in outputs.values())
    print(f"{'total':<18}{total:>12,}")
    print(f"(each output includes the renderer, {len(static.renderer_js().encode()):,} bytes)")
    if book is None:
        print("No built book in _build/html: run `make book` to measure what it adds there.")
    else:
        print(f"\nIn the built book: {book['pages']:,} bytes in the four chapter pages, "
              f"{book['notebooks']:,} bytes in their downloadable notebooks; added in all "
              f"{book['pages'] + book['notebooks']:,} bytes of the book's "
              f"{book['book_total']:,}.")


# --- 3. browser ---------------------------------------------------------------------------------

def browser_latency(outputs, repeats: int):
    sys.path.insert(0, str(REPO / "tests" / "explore"))
    from explore_browser import INTERACTIONS, drive, explorer_ids
    from playwright.sync_api import sync_playwright

    from explorers import static

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "explorers.html"
        page_path.write_text(static.standalone_page(*(m for m, _ in outputs.values())),
                             encoding="utf-8")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                  args=CHROMIUM_FLAGS)
            page = chromium.new_context(viewport={"width": 1000, "height": 900}).new_page()
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            for root_id, kind in explorer_ids(page):
                handler, frame = [], []
                for _ in range(repeats):
                    for key, value in INTERACTIONS[kind]:
                        original = page.eval_on_selector(
                            f"#{root_id} [data-key='{key}']",
                            "el => el.type === 'checkbox' ? el.checked : Number(el.value)")
                        for v in (value, original):
                            timing = drive(page, root_id, key, v)
                            handler.append(timing["handler_ms"])
                            frame.append(timing["frame_ms"])
                rows.append({"explorer": kind, "inputs": len(handler),
                             "handler_median": statistics.median(handler),
                             "handler_max": max(handler),
                             "frame_median": statistics.median(frame), "frame_max": max(frame)})
            chromium.close()
    return rows


def print_browser(rows) -> None:
    print("\nStatic explorers in headless Chromium: input event -> redraw done, -> next frame (ms)\n")
    header = (f"{'explorer':<18}{'inputs':>8}{'redraw med':>12}{'redraw max':>12}"
              f"{'frame med':>11}{'frame max':>11}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['explorer']:<18}{r['inputs']:>8}{r['handler_median']:>12.1f}"
              f"{r['handler_max']:>12.1f}{r['frame_median']:>11.1f}{r['frame_max']:>11.1f}")
    print("(software rendering, --disable-gpu; one frame at 60 Hz is 16.7 ms)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium part")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"Machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / "
          f"{load[2]:.1f} (1 / 5 / 15 min): other processes slow every figure below.")
    print_live(live_widgets(args.repeats))
    outputs = static_outputs()
    print_static(outputs, built_book_sizes())
    if args.no_browser or not CHROMIUM.is_file():
        print("\n(browser latency skipped)")
    else:
        print_browser(browser_latency(outputs, max(1, args.repeats // 5)))


if __name__ == "__main__":
    main()
