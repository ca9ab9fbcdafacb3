"""Driving a static explorer in a browser page: change one control, time the redraw.

Shared by the browser tests (``test_explore_browser.py``) and ``bench/explorers.py``.
"""
from __future__ import annotations

import contextlib

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


@contextlib.contextmanager
def standalone_page(browser, path):
    """A standalone explorer page (``static.standalone_page``) opened from disk in a fresh
    browser context: yields ``(page, problems, requests)``, where ``problems`` collects console
    errors and warnings and uncaught exceptions, and ``requests`` every URL the page asked for."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        yield page, problems, requests
    finally:
        context.close()


def assert_each_control_redraws_once(page, root_id: str, interactions) -> None:
    """Drive each ``(key, value)`` of ``interactions`` on the explorer ``root_id``: each must
    redraw exactly once and change the picture."""
    assert page.get_attribute(f"#{root_id}", "data-nnx-draws") == "1"
    canvas = page.locator(f"#{root_id} canvas")
    before = canvas.screenshot()
    for key, value in interactions:
        timing = drive(page, root_id, key, value)
        after = canvas.screenshot()
        assert timing["draws"] == 1, f"setting {key} to {value} redrew {timing['draws']} times"
        assert after != before, f"setting {key} to {value} left the picture unchanged"
        before = after
