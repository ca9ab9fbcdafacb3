"""The static explorers in headless Chromium: every control changes the picture, offline.

Two settings:

- a standalone page written here (small grids, so it builds in seconds) holding all four
  explorers and one output twice, opened from a file: tests the renderer on its own;
- the built book (``built_book``/``open_page`` from tests/conftest.py): each explorer in its
  chapter, with every request leaving the local server aborted and recorded.

Each test records the time from a control's input event to the redraw (``handler_ms``: until
the event handlers, which draw, have returned; ``frame_ms``: until the next animation frame)
in ``tests/artifacts/explorer-latency-*.json`` and prints it. Times are recorded, never asserted.
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from explore_browser import INTERACTIONS, drive, explorer_ids, standalone_page

from explorers import static

ARTIFACTS_DIR = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = pytest.mark.slow

CHAPTERS = {
    "gradient-flow": "chapters/02_backpropagation",
    "activation": "chapters/03_activations",
    "optimizer": "chapters/04_optimization",
    "regularization": "chapters/05_regularization",
    "attention": "chapters/06_architectures",
}


def _record(name: str, rows: list[dict]) -> None:
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"explorer-latency-{name}.json"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    frames = [r["frame_ms"] for r in rows]
    handlers = [r["handler_ms"] for r in rows]
    print(f"\n{name}: input -> redraw {statistics.median(handlers):.1f} ms median "
          f"(max {max(handlers):.1f}), -> next frame {statistics.median(frames):.1f} ms median "
          f"(max {max(frames):.1f}); {len(rows)} inputs, written to {path}")


def _exercise(page, root_id: str, kind: str) -> list[dict]:
    """Apply every interaction of ``kind``; assert each redraws and changes the picture.

    The screenshot is of the canvas alone, so a label that changes next to a figure that
    does not (a control the renderer ignores) fails the test.
    """
    element = page.locator(f"#{root_id} canvas")
    element.scroll_into_view_if_needed()
    before = element.screenshot()
    rows = []
    for key, value in INTERACTIONS[kind]:
        timing = drive(page, root_id, key, value)
        after = element.screenshot()
        assert timing["draws"] == 1, f"{kind}: setting {key} to {value} redrew {timing['draws']} times"
        assert after != before, f"{kind}: setting {key} to {value} left the picture unchanged"
        rows.append({"kind": kind, "control": key, "value": value, **timing})
        before = after
    return rows


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    activation = static.activation_explorer()
    outputs = [
        activation,
        static.optimizer_explorer(steps=60),
        static.gradient_flow_explorer(depth=5, depths=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12)),
        static.regularization_explorer(epochs=20, strengths=(1e-3, 1e-2)),
        activation,  # the same output a second time
    ]
    path = tmp_path_factory.mktemp("explorers") / "explorers.html"
    path.write_text(static.standalone_page(*outputs), encoding="utf-8")
    return path


@pytest.fixture
def opened_standalone(browser, standalone):
    with standalone_page(browser, standalone) as opened:
        yield opened


def test_standalone_explorers_redraw_on_every_control(opened_standalone):
    page, problems, requests = opened_standalone
    explorers = explorer_ids(page)
    assert [kind for _, kind in explorers] == [
        "activation", "optimizer", "gradient-flow", "regularization", "activation"]
    rows = []
    for root_id, kind in explorers[:4]:
        assert page.get_attribute(f"#{root_id}", "data-nnx-draws") == "1"
        rows += _exercise(page, root_id, kind)
    _record("standalone", rows)
    assert problems == []
    assert [u for u in requests if not u.startswith("file:")] == []


def test_the_same_output_twice_gives_two_independent_explorers(opened_standalone):
    page, problems, _ = opened_standalone
    explorers = explorer_ids(page)
    first, second = explorers[0][0], explorers[-1][0]
    assert first != second and second.startswith(first)  # the copy got a fresh id
    assert page.get_attribute(f"#{second}", "data-nnx-draws") == "1"
    untouched = page.locator(f"#{first} canvas").screenshot()
    moved = page.locator(f"#{second} canvas").screenshot()
    timing = drive(page, second, "x0", 20)
    assert timing["draws"] == 1
    assert page.locator(f"#{second} canvas").screenshot() != moved
    assert page.locator(f"#{first} canvas").screenshot() == untouched
    assert page.get_attribute(f"#{first}", "data-nnx-draws") == "1"
    assert problems == []


def test_the_note_says_what_can_change_and_how_to_go_live(opened_standalone):
    page, _, _ = opened_standalone
    for root_id, kind in explorer_ids(page):
        note = page.inner_text(f"#{root_id} .nnx-note")
        function = {"gradient-flow": "gradient_flow"}.get(kind, kind) + "_explorer()"
        assert "Here you can change" in note and "launch button" in note and function in note


@pytest.mark.parametrize("kind", CHAPTERS)
def test_book_explorer_works_offline_in_its_chapter(open_page, kind, screenshot_dir):
    visit = open_page(CHAPTERS[kind], viewport={"width": 1200, "height": 1000})
    page = visit.page
    explorers = explorer_ids(page)
    assert [k for _, k in explorers] == [kind], f"{CHAPTERS[kind]} has explorers {explorers}"
    root_id = explorers[0][0]
    assert page.get_attribute(f"#{root_id}", "data-nnx-draws") == "1"
    page.locator(f"#{root_id}").screenshot(path=str(screenshot_dir / f"explorer-{kind}.png"))
    rows = _exercise(page, root_id, kind)
    _record(f"book-{kind}", rows)
    assert visit.problems() == []
