"""The width explorer: its compute (explorers.width), the static page's data and renderer
(explorers.width_static, width.js) in headless Chromium, and the live widget."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from explore_browser import assert_each_control_redraws_once, explorer_ids, standalone_page

from explorers import static, width, width_static
from nnlib import layers, losses


@pytest.fixture(scope="module")
def fits():
    """Every precomputed fit of the static page, trained once for this module (a few seconds)."""
    return width_static.all_fits()


def _spec_of(output) -> dict:
    match = re.search(r'<script type="application/json" class="nnx-data">(.*?)</script>',
                      output.data, re.S)
    assert match, "no data script in the output"
    return json.loads(match.group(1))


# --- core ---------------------------------------------------------------------------------------

def test_training_data_is_the_target_on_evenly_spaced_points():
    X, y = width.training_data("abs", n=9)
    assert X.shape == y.shape == (9, 1)
    assert np.allclose(np.diff(X[:, 0]), X[1, 0] - X[0, 0])
    assert X[0, 0] == pytest.approx(width.TRAIN_RANGE[0])
    assert np.array_equal(y, np.abs(X) / 4)


def test_the_network_has_one_hidden_layer_of_the_width_asked_for():
    model = width.one_hidden_layer("relu", 5, np.random.default_rng(0))
    assert [type(m) for m in model] == [layers.Linear, layers.ReLU, layers.Linear]
    assert model[0].weight.data.shape == (1, 5) and model[2].weight.data.shape == (5, 1)
    assert sum(p.data.size for p in model.parameters()) == 3 * 5 + 1


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="target must be one of .* got 'cosine'"):
        width.fit_width("cosine")
    with pytest.raises(ValueError, match="activation must be one of .* got 'gelu'"):
        width.fit_width(activation="gelu")
    with pytest.raises(ValueError, match="width must be an integer from 1 to 64, got 0"):
        width.fit_width(width=0)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        width.fit_width(epochs=0)


def test_a_fit_is_reproducible_and_its_error_is_nnlibs_mse():
    first, second = width.fit_width("sine", "tanh", 3, epochs=40), width.fit_width("sine", "tanh", 3, epochs=40)
    assert np.array_equal(first.y_plot, second.y_plot)
    assert first.losses.shape == (40,) and first.losses[-1] < first.losses[0]
    # train_mse is the loss of the final network on the training points, as nnlib computes it:
    # evaluating the returned curve at the training points (they are on the plot grid's range).
    X, y = width.training_data("sine")
    model = width.one_hidden_layer("tanh", 3, np.random.default_rng(0))
    assert losses.MSELoss()(model(X / width.INPUT_SCALE), y) == pytest.approx(first.losses[0])


def test_wider_networks_fit_the_sine_better(fits):
    errors = [fits[("sine", "tanh", w)].train_mse for w in width.WIDTHS]
    assert errors[-1] < 0.05 * errors[0]
    assert min(errors[3:]) < min(errors[:2])


# --- static ---------------------------------------------------------------------------------------

def test_static_spec_holds_what_nnlib_computed(fits):
    spec = _spec_of(width_static.width_explorer(fits=fits, target="abs", activation="relu",
                                                hidden_units=8))
    assert spec["kind"] == "width" and spec["widths"] == list(width.WIDTHS)
    curves = static.unpack(spec["curves"]).reshape(len(width.TARGETS), len(width.ACTIVATIONS),
                                                   len(width.WIDTHS), width.N_PLOT)
    for t, target in enumerate(width.TARGETS):
        for a, activation in enumerate(width.ACTIVATIONS):
            for k, w in enumerate(width.WIDTHS):
                run = fits[(target, activation, w)]
                assert np.allclose(curves[t, a, k], run.y_plot, rtol=1e-6, atol=1e-6)
                assert spec["mse"][t][a][k] == run.train_mse
    targets = static.unpack(spec["targetCurves"]).reshape(len(width.TARGETS), width.N_PLOT)
    assert np.allclose(targets[0], np.sin(np.linspace(*width.PLOT_RANGE, width.N_PLOT)), atol=1e-6)
    assert spec["parameters"] == [3 * w + 1 for w in width.WIDTHS]


def test_static_controls_start_where_asked(fits):
    html = width_static.width_explorer(fits=fits, target="step", activation="relu",
                                       hidden_units=16).data
    assert re.search(r'<select data-key="target">.*?<option value="2" selected>a step', html, re.S)
    assert re.search(r'<select data-key="activation">.*?<option value="1" selected>ReLU', html, re.S)
    assert f'value="{width.WIDTHS.index(16)}" data-key="width"' in html
    assert html.index(static.renderer_js()) < html.index(width_static.width_js())
    assert "http" not in width_static.width_js()
    with pytest.raises(ValueError, match="hidden_units must be one of .* got 5"):
        width_static.width_explorer(fits=fits, hidden_units=5)
    with pytest.raises(ValueError, match="target must be one of .* got 'cos'"):
        static.width_explorer(fits=fits, target="cos")


# --- live widget ----------------------------------------------------------------------------------

def test_live_explorer_retrains_on_each_control():
    pytest.importorskip("ipywidgets")
    import explorers

    explorer = explorers.width_explorer(hidden_units=2, epochs=100)
    assert bytes(explorer.image.value).startswith(b"\x89PNG") and explorer.redraws == 1
    for key, value in (("hidden_units", 6), ("activation", "relu"), ("target", "abs"),
                       ("epochs", 150)):
        before_png, before_text = explorer.image.value, explorer.readout.value
        explorer.controls[key].value = value
        assert explorer.image.value != before_png, key
        assert explorer.readout.value != before_text, key
    fit = explorer.fit
    assert (fit.target, fit.activation, fit.width, len(fit.losses)) == ("abs", "relu", 6, 150)
    assert np.array_equal(explorer.fit_line.get_ydata(), fit.y_plot)
    assert "19 parameters" in explorer.readout.value


# --- in a browser ---------------------------------------------------------------------------------

INTERACTIONS = [("width", 0), ("activation", 1), ("target", 1), ("width", 5), ("target", 2)]


@pytest.mark.slow
def test_static_width_explorer_in_chromium_redraws_offline(browser, fits, tmp_path):
    path = tmp_path / "width.html"
    path.write_text(static.standalone_page(static.activation_explorer(),
                                           width_static.width_explorer(fits=fits)),
                    encoding="utf-8")
    with standalone_page(browser, path) as (page, problems, requests):
        found = explorer_ids(page)
        assert [kind for _, kind in found] == ["activation", "width"]
        root_id = found[1][0]
        assert_each_control_redraws_once(page, root_id, INTERACTIONS)
        readout = page.inner_text(f"#{root_id} .nnx-readout")
        last = fits[("step", "relu", width.WIDTHS[5])]
        assert f"{width.WIDTHS[5]} hidden units, {last.n_parameters} parameters" in readout
        assert "width_explorer()" in page.inner_text(f"#{root_id} .nnx-note")
        assert problems == []
        assert [u for u in requests if not u.startswith("file:")] == []
