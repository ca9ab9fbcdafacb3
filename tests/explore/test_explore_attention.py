"""The attention explorer: its compute (explorers.attention), the static page's data and
renderer (explorers.attention_static, attention.js) in headless Chromium, and the live widget."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from explore_browser import (INTERACTIONS, assert_each_control_redraws_once, explorer_ids,
                             standalone_page)

from explorers import attention, attention_static, static
from nnlib import layers


@pytest.fixture(scope="module")
def runs():
    """The two default runs (not causal, causal), trained once for this module."""
    return attention.trained_run(False), attention.trained_run(True)


def _spec_of(output) -> dict:
    match = re.search(r'<script type="application/json" class="nnx-data">(.*?)</script>',
                      output.data, re.S)
    assert match, "no data script in the output"
    return json.loads(match.group(1))


# --- core ---------------------------------------------------------------------------------------

def test_reversal_targets_are_the_sequences_reversed():
    tokens, targets = attention.reversal_data(50, rng=0)
    assert tokens.shape == targets.shape == (50, attention.LENGTH)
    assert np.array_equal(targets, tokens[:, ::-1])
    assert tokens.min() >= 0 and tokens.max() < attention.VOCAB


def test_one_hot_and_parse_sequence_refuse_bad_input():
    assert np.array_equal(attention.one_hot(np.array([[2, 0]]))[0], np.eye(10)[[2, 0]])
    with pytest.raises(ValueError, match="got values from 0 to 10"):
        attention.one_hot(np.array([[0, 10]]))
    with pytest.raises(ValueError, match="integer array"):
        attention.one_hot(np.array([[0.5]]))
    assert list(attention.parse_sequence("3 1 4 1 5 9")) == [3, 1, 4, 1, 5, 9]
    with pytest.raises(ValueError, match="'31415'"):
        attention.parse_sequence("31415")
    with pytest.raises(ValueError, match="'31415x'"):
        attention.parse_sequence("31415x")


def test_the_model_reads_through_one_multi_head_attention_layer():
    model = attention.sequence_model(True, np.random.default_rng(0))
    layer = attention.attention_layer(model)
    assert isinstance(layer, layers.MultiHeadAttention) and layer.causal
    readout = attention.read_attention(model, attention.parse_sequence("012345"))
    assert readout.weights.shape == (attention.NUM_HEADS, 6, 6)
    assert np.allclose(readout.weights.sum(axis=-1), 1.0)
    assert np.all(np.triu(readout.weights, k=1) == 0)  # causal: nothing above the diagonal
    assert np.allclose(readout.probabilities.sum(axis=-1), 1.0)
    assert np.array_equal(readout.predicted, readout.probabilities.argmax(axis=-1))


def test_unmasked_model_learns_to_reverse_and_the_causal_one_only_the_second_half(runs):
    free, causal = runs
    assert free.test_accuracy > 0.98
    assert causal.position_accuracy[3:].min() > 0.95
    assert causal.position_accuracy[:3].max() < 0.25
    assert free.losses[-1] < 0.1 * free.losses[0]


def test_the_unmasked_model_reads_the_mirrored_position(runs):
    readout = attention.read_attention(runs[0].model, attention.parse_sequence("508263"))
    combined = readout.weights.sum(axis=0)  # both heads
    assert np.array_equal(combined.argmax(axis=1), np.arange(6)[::-1])
    assert readout.correct.all()


# --- static ---------------------------------------------------------------------------------------

def test_static_spec_holds_what_nnlib_computed(runs):
    output = static.attention_explorer(runs=runs, sequence=2, head=1, causal=True)
    spec = _spec_of(output)
    assert spec["kind"] == "attention" and spec["heads"] == attention.NUM_HEADS
    weights = static.unpack(spec["weights"]).reshape(2, len(spec["sequences"]), spec["heads"], 6, 6)
    probabilities = static.unpack(spec["probabilities"]).reshape(2, len(spec["sequences"]), 6, 10)
    predicted = static.unpack(spec["predicted"]).reshape(2, len(spec["sequences"]), 6)
    for c, run in enumerate(runs):
        for s, text in enumerate(spec["sequences"]):
            readout = attention.read_attention(run.model, attention.parse_sequence(text))
            assert np.abs(weights[c, s] / 255 - readout.weights).max() <= 0.5 / 255 + 1e-9
            assert np.abs(probabilities[c, s] / 255 - readout.probabilities).max() <= 0.5 / 255 + 1e-9
            assert np.array_equal(predicted[c, s], readout.predicted)
    assert spec["accuracy"] == [runs[0].test_accuracy, runs[1].test_accuracy]


def test_static_controls_start_where_asked_and_the_renderer_follows_the_shared_one(runs):
    html = static.attention_explorer(runs=runs, sequence=2, head=1, causal=True).data
    assert re.search(r'<select data-key="sequence">.*?<option value="2" selected>2 7 1 8 2 8',
                     html, re.S)
    assert re.search(r'<select data-key="head">.*?<option value="1" selected>head 2', html, re.S)
    assert 'data-key="causal" checked' in html
    assert html.index(static.renderer_js()) < html.index(attention_static.attention_js())
    assert "http" not in attention_static.attention_js()


def test_static_explorer_refuses_bad_choices(runs):
    with pytest.raises(ValueError, match="got 6"):
        static.attention_explorer(runs=runs, sequence=6)
    with pytest.raises(ValueError, match="head must be in \\[0, 2\\), got 2"):
        static.attention_explorer(runs=runs, head=2)
    with pytest.raises(ValueError, match="not causal, causal"):
        attention_static.attention_spec(runs[::-1])


# --- live widget ----------------------------------------------------------------------------------

def test_live_explorer_redraws_on_each_control(runs):
    pytest.importorskip("ipywidgets")
    import explorers

    explorer = explorers.attention_explorer(runs=runs)
    assert bytes(explorer.image.value).startswith(b"\x89PNG") and explorer.redraws == 1
    for key, value in (("head", 1), ("causal", True), ("sequence", "777777")):
        before_png, before_text = explorer.image.value, explorer.readout.value
        explorer.controls[key].value = value
        assert explorer.image.value != before_png, key
        assert explorer.readout.value != before_text or key == "head", key
    readout = explorer.readout_for()
    assert np.array_equal(explorer.weights_image.get_array(), readout.weights[1])
    assert "of 6 right" in explorer.readout.value


def test_live_explorer_reports_a_bad_sequence_instead_of_failing(runs):
    pytest.importorskip("ipywidgets")
    from explorers import attention_widget

    explorer = attention_widget.attention_explorer(runs=runs)
    explorer.controls["sequence"].value = "12"
    assert "a sequence is 6 digits" in explorer.readout.value
    with pytest.raises(ValueError, match="'12'"):
        attention_widget.attention_explorer(runs=runs, sequence="12")


# --- in a browser ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_static_attention_explorer_in_chromium_redraws_offline(browser, runs, tmp_path):
    path = tmp_path / "attention.html"
    path.write_text(static.standalone_page(static.activation_explorer(),
                                           static.attention_explorer(runs=runs)), encoding="utf-8")
    with standalone_page(browser, path) as (page, problems, requests):
        found = explorer_ids(page)
        assert [kind for _, kind in found] == ["activation", "attention"]
        root_id = found[1][0]
        assert_each_control_redraws_once(page, root_id, INTERACTIONS["attention"])
        readout = page.inner_text(f"#{root_id} .nnx-readout")
        assert "input 7 7 7 7 7 7" in readout and "of 6 right" in readout
        assert "attention_explorer()" in page.inner_text(f"#{root_id} .nnx-note")
        assert problems == []
        assert [u for u in requests if not u.startswith("file:")] == []
