"""Driving a static explorer in a browser page: change one control, time the redraw.

Shared by the browser tests (``test_explore_browser.py``) and ``bench/explorers.py``.
"""
from __future__ import annotations

# Sets a control of one explorer the way a user would (value, then the event a browser fires),
# and measures with performance.now(): `handler_ms` until the synchronous event handlers have
# returned (the redraw happens in them), `frame_ms` until the next animation frame, when the
# browser paints the new picture.
DRIVE_JS = """
async ([rootId, key, value]) => {
  const root = document.getElementById(rootId);
  const el = root.querySelector(`[data-key="${key}"]`);
  if (!el) throw new Error(`no control ${key} in #${rootId}`);
  const before = Number(root.getAttribute("data-nnx-draws"));
  const t0 = performance.now();
  if (el.type === "checkbox") el.checked = Boolean(value); else el.value = String(value);
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  const t1 = performance.now();
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const t2 = performance.now();
  return {handler_ms: t1 - t0, frame_ms: t2 - t0,
          draws: Number(root.getAttribute("data-nnx-draws")) - before,
          draw_ms: Number(root.getAttribute("data-nnx-draw-ms"))};
}
"""

# One change per control, per explorer kind, in an order where each one changes the picture
# (the slope after leaky ReLU is shown, the condition number while the bowl is shown):
# (control key, new value). Range inputs and selects take an index; checkboxes True/False.
INTERACTIONS = {
    "activation": [("x0", 50), ("show.gelu", True), ("threshold", 4), ("halfWidth", 1),
                   ("show.leaky_relu", True), ("slope", 0), ("show.relu", False)],
    "optimizer": [("momentum.lr", 6), ("adam.beta1", 0), ("steps", 40), ("show.rmsprop", True),
                  ("condition", 0), ("surface", 1), ("surface", 3)],
    "gradient-flow": [("depth", 10), ("activation", 2), ("init", 1), ("residual", True)],
    "regularization": [("penalty", 2), ("strength", 0), ("dropout", 2), ("batchNorm", True)],
    "attention": [("head", 1), ("causal", True), ("sequence", 4), ("head", 0), ("causal", False)],
}


def explorer_ids(page) -> list[tuple[str, str]]:
    """``(id, kind)`` of every explorer element on the page, in document order."""
    return page.eval_on_selector_all(
        ".nnx-explorer", "els => els.map(e => [e.id, e.getAttribute('data-nnx-kind')])")


def drive(page, root_id: str, key: str, value) -> dict:
    """Set control ``key`` of explorer ``root_id`` to ``value``; return the timings."""
    return page.evaluate(DRIVE_JS, [root_id, key, value])
