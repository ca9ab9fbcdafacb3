"""The live explorers, built and driven from Python: a control moves, the picture changes."""
from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest

pytest.importorskip("ipywidgets")

from explorers import core, widgets  # noqa: E402


def _pixels(explorer) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(explorer.image.value)).convert("RGB"))


def _full_redraw_pixels(explorer) -> np.ndarray:
    """The picture drawn from scratch, without reusing the saved background."""
    explorer._background = None
    explorer.redraw()
    return _pixels(explorer)


@pytest.fixture(scope="module")
def activation():
    return widgets.activation_explorer()


@pytest.fixture(scope="module")
def optimizer():
    return widgets.optimizer_explorer()


def test_each_explorer_is_one_call_that_renders_a_png():
    for make in (widgets.activation_explorer, widgets.optimizer_explorer,
                 widgets.gradient_flow_explorer):
        explorer = make()
        assert bytes(explorer.image.value).startswith(b"\x89PNG")
        assert explorer.redraws == 1
        bundle = explorer._repr_mimebundle_()
        assert "application/vnd.jupyter.widget-view+json" in bundle


def test_live_explorers_are_reachable_from_the_package():
    import explorers

    assert explorers.optimizer_explorer is widgets.optimizer_explorer
    with pytest.raises(AttributeError, match="nope"):
        explorers.nope  # noqa: B018


def test_moving_the_point_moves_the_readout_and_the_picture(activation):
    before_png, before_html = activation.image.value, activation.readout.value
    activation.controls["x0"].value = -2.5
    assert activation.image.value != before_png
    assert activation.readout.value != before_html
    value, slope = core.activation_at("tanh", -2.5)
    _, dot_d = activation.lines["tanh"][2:]
    assert dot_d.get_ydata()[0] == slope
    assert f"{value:.4g}" in activation.readout.value


def test_the_drawn_curves_are_nnlibs(activation):
    activation.controls["x_range"].value = (-3.0, 4.0)
    line_f, line_d, _, _ = activation.lines["sigmoid"]
    x = line_f.get_xdata()
    f, d = core.activation_curve("sigmoid", x)
    assert x[0] == -3.0 and x[-1] == 4.0
    assert np.array_equal(line_f.get_ydata(), f) and np.array_equal(line_d.get_ydata(), d)


def test_ticking_an_activation_shows_it(activation):
    assert not activation.lines["gelu"][0].get_visible()
    before = activation.image.value
    activation.controls["show_gelu"].value = True
    assert activation.lines["gelu"][0].get_visible()
    assert activation.image.value != before
    assert "GELU (exact)" in activation.readout.value


def test_strips_are_the_cores_vanishing_regions_for_the_threshold(activation):
    def strips():
        return sorted((round(p.get_x(), 9), round(p.get_x() + p.get_width(), 9))
                      for p in activation.shading)

    def expected(threshold):
        found = []
        for name, (_, line_d, _, _) in activation.lines.items():
            if line_d.get_visible():
                x, d = line_d.get_xdata(), line_d.get_ydata()
                found += [(round(a, 9), round(b, 9)) for a, b in core.vanishing_regions(x, d, threshold)]
        return sorted(found)

    activation.controls["threshold"].value = 0.01
    before_png, before = activation.image.value, strips()
    assert before == expected(0.01) and before
    activation.controls["threshold"].value = 10 ** -0.5
    assert strips() == expected(10 ** -0.5) != before
    assert activation.image.value != before_png


def test_fast_redraw_draws_the_same_picture_as_a_full_redraw(activation, optimizer):
    activation.controls["x0"].value = 0.35  # limits unchanged: the saved background is reused
    fast = _pixels(activation)
    assert np.array_equal(fast, _full_redraw_pixels(activation))
    optimizer.controls["adam.lr"].value = 0.2
    fast = _pixels(optimizer)
    assert np.array_equal(fast, _full_redraw_pixels(optimizer))


def test_a_saved_background_is_reused_when_a_control_comes_back(activation):
    activation.controls["x_range"].value = (-5.0, 5.0)
    first = _pixels(activation)
    activation.controls["x_range"].value = (-2.0, 2.0)
    assert not np.array_equal(_pixels(activation), first)
    saved = len(activation._backgrounds)
    activation.controls["x_range"].value = (-5.0, 5.0)
    assert len(activation._backgrounds) == saved  # nothing new drawn: the old one was used
    assert np.array_equal(_pixels(activation), first)
    assert np.array_equal(first, _full_redraw_pixels(activation))


def test_optimizer_paths_are_nnlibs_trajectories(optimizer):
    optimizer.controls["momentum.momentum"].value = 0.5
    c = optimizer.controls
    run = core.run_optimizer(optimizer.surface, "momentum", c["momentum.lr"].value,
                             steps=c["steps"].value,
                             start=(c["start_x"].value, c["start_y"].value), momentum=0.5)
    path, _ = optimizer.paths["momentum"]
    assert np.array_equal(path.get_xydata(), run.points)


def test_changing_a_learning_rate_changes_the_picture(optimizer):
    before = optimizer.image.value
    optimizer.controls["sgd.lr"].value = 0.05
    assert optimizer.image.value != before


def test_changing_the_surface_resets_its_defaults_and_redraws_once(optimizer):
    redraws = optimizer.redraws
    optimizer.controls["surface"].value = "rosenbrock"
    surface = core.make_surface("rosenbrock")
    assert optimizer.redraws == redraws + 1
    assert optimizer.controls["sgd.lr"].value == pytest.approx(surface.default_lr["sgd"])
    assert (optimizer.controls["start_x"].value, optimizer.controls["start_y"].value) == surface.start
    assert optimizer.axes[0].get_xlim() == surface.bounds[:2]


def test_a_diverging_optimizer_is_reported(optimizer):
    optimizer.controls["surface"].value = "bowl"
    optimizer.controls["sgd.lr"].value = 5.0
    assert "diverged at step" in optimizer.readout.value


def test_gradient_flow_plots_the_core_numbers():
    explorer = widgets.gradient_flow_explorer(depth=6, activation="tanh", init="he")
    before = explorer.image.value
    explorer.controls["depth"].value = 25
    flow = core.gradient_flow(25, "tanh", "he")
    assert explorer.image.value != before
    assert np.array_equal(explorer.weight_line.get_ydata(), flow.weight_grad_norms)
    assert np.array_equal(explorer.out_line.get_ydata(), flow.output_grad_norms)
    explorer.controls["residual"].value = True
    assert not np.array_equal(explorer.weight_line.get_ydata(), flow.weight_grad_norms)


def test_regularization_explorer_retrains_when_a_control_moves():
    explorer = widgets.regularization_explorer(epochs=40)
    before_png, before_val = explorer.image.value, explorer.val_line.get_ydata().copy()
    explorer.controls["penalty"].value = "l2"
    explorer.controls["strength"].value = 10 ** -1.5
    run = core.train_regularized("l2", 10 ** -1.5, epochs=40, data=explorer.data)
    assert explorer.image.value != before_png
    assert not np.array_equal(explorer.val_line.get_ydata(), before_val)
    assert np.array_equal(explorer.val_line.get_ydata(), run.history["val_loss"])


def test_unknown_initial_choice_is_refused():
    with pytest.raises(ValueError, match="'swish2'"):
        widgets.activation_explorer(selected=("sigmoid", "swish2"))
