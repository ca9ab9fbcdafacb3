"""The static explorers' data: what the page draws is what nnlib computed, within the stored precision."""
from __future__ import annotations

import base64
import itertools
import json
import re

import numpy as np
import pytest

from explorers import core, static


def _spec_of(output) -> dict:
    match = re.search(r'<script type="application/json" class="nnx-data">(.*?)</script>',
                      output.data, re.S)
    assert match, "no data script in the output"
    return json.loads(match.group(1))


# --- encoding ----------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, values", [
    ("f4", np.array([0.1, -2.5, 1e30, -0.0])), ("i2", np.array([-32768, 0, 32767])),
    ("u2", np.array([0, 1, 65535])), ("u1", np.array([0, 7, 255])),
])
def test_pack_round_trips_little_endian(dtype, values):
    packed = static.pack(values, dtype)
    assert packed["t"] == dtype
    assert np.array_equal(static.unpack(packed), values.astype("<" + dtype))


def test_delta_varints_round_trip_and_are_short_for_smooth_paths():
    rng = np.random.default_rng(0)
    paths = [np.cumsum(rng.integers(-40, 41, size=(n, 2)), axis=0) + 30000 for n in (1, 5, 200)]
    paths.append(np.array([[-32768, 32767], [32767, -32768]]))  # the largest jumps
    packed = static.pack_deltas(paths, 2)
    assert np.array_equal(static.unpack_deltas(packed, [len(p) for p in paths]), np.concatenate(paths))
    smooth = static.pack_deltas([np.cumsum(rng.integers(-60, 61, size=(500, 1)))], 1)
    assert len(base64.b64decode(smooth["b"])) < 1.05 * 500  # about one byte per number
    with pytest.raises(ValueError, match="left over"):
        static.unpack_deltas(packed, [1, 5])


def test_pack_refuses_an_unknown_dtype():
    with pytest.raises(ValueError, match="'f8'"):
        static.pack(np.zeros(2), "f8")


def test_box_quantization_error_is_at_most_half_a_step():
    box = static.Box(-3.0, 5.0, -1.0, 1.0)
    points = np.random.default_rng(0).uniform([-3, -1], [5, 1], size=(500, 2))
    error = np.abs(box.dequantize(box.quantize(points)) - points)
    assert np.all(error <= np.array(box.step) / 2 + 1e-12)
    outside = box.dequantize(box.quantize([[100.0, -100.0]]))
    assert np.allclose(outside, [[5.0, -1.0]])  # clamped to the edge


def test_loss_gap_quantization_keeps_a_tenth_of_a_percent():
    gaps = np.geomspace(1e-15, 1e11, 200)
    back = static.dequantize_gap(static.quantize_gap(gaps))
    assert np.all(np.abs(back / gaps - 1) < 1e-3)
    assert static.dequantize_gap(static.quantize_gap([0.0]))[0] == pytest.approx(1e-16)


def test_json_in_a_script_cannot_close_the_script():
    text = static._json_for_script({"formula": "</script><script>alert(1)</script>"})
    assert "</" not in text and "<script" not in text
    assert json.loads(text)["formula"] == "</script><script>alert(1)</script>"


# --- activation explorer ------------------------------------------------------------------------

def test_activation_curves_are_nnlibs_values_as_float32():
    spec = static.activation_spec()
    x = core.input_grid(**static.ACTIVATION_GRID)
    assert (spec["x"]["min"], spec["x"]["max"], spec["x"]["n"]) == (x[0], x[-1], len(x))
    for act in spec["acts"]:
        slopes = static.LEAKY_SLOPES if act["perSlope"] else (0.01,)
        assert len(act["f"]) == len(slopes)
        for k, slope in enumerate(slopes):
            f, d = core.activation_curve(act["key"], x, slope)
            assert np.array_equal(static.unpack(act["f"][k]), f.astype(np.float32))
            assert np.array_equal(static.unpack(act["d"][k]), d.astype(np.float32))


def test_activation_strips_are_the_cores_vanishing_regions():
    spec = static.activation_spec()
    x = core.input_grid(**static.ACTIVATION_GRID)
    for t, threshold in enumerate(static.THRESHOLDS):
        for name in ("sigmoid", "tanh", "gelu"):
            _, d = core.activation_curve(name, x)
            assert spec["regions"][t][name] == [list(r) for r in core.vanishing_regions(x, d, threshold)]
        _, d = core.activation_curve("leaky_relu", x, static.LEAKY_SLOPES[0])
        assert spec["regions"][t]["leaky_relu:0"] == [[-8.0, 0.0]]


def test_activation_explorer_refuses_an_initial_value_off_the_grid():
    with pytest.raises(ValueError, match="0.123"):
        static.activation_explorer(negative_slope=0.123)


# --- optimizer explorer -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_wells_spec():
    return static.surface_spec(core.make_surface("two_wells"), steps=80)


def _stored_path(spec, name, index):
    t = spec["traj"][name]
    start = sum(t["n"][:index])
    q = static.unpack_deltas(t["p"], t["n"])[start:start + t["n"][index]]
    gaps = static.unpack_deltas(t["g"], t["n"])[start:start + t["n"][index], 0]
    return q, gaps, t["div"][index]


@pytest.mark.parametrize("name", core.OPTIMIZER_NAMES)
def test_stored_paths_are_nnlibs_trajectories_within_the_stored_precision(two_wells_spec, name):
    surface = core.make_surface("two_wells")
    box = static.Box(*two_wells_spec["box"])
    names, values = static.hyper_grid(name, surface)
    assert two_wells_spec["traj"][name]["params"] == names
    for index, combo in enumerate(itertools.product(*values)):
        hyper = dict(zip(names, combo))
        run = core.run_optimizer(surface, name, hyper.pop("lr"), steps=80, **hyper)
        q, gaps, diverged = _stored_path(two_wells_spec, name, index)
        assert diverged == (run.steps if run.diverged else -1)
        # the renderer holds the last stored entry to the end
        held = np.minimum(np.arange(len(run.points)), len(q) - 1)
        points = np.clip(run.points, [box.bounds[0], box.bounds[2]], [box.bounds[1], box.bounds[3]])
        assert np.all(np.abs(box.dequantize(q[held]) - points) <= np.array(box.step) / 2 + 1e-9)
        assert np.array_equal(gaps[held], static.quantize_gap(run.losses - surface.min_value))


def test_converged_paths_are_stored_shorter(two_wells_spec):
    lengths = [n for t in two_wells_spec["traj"].values() for n in t["n"]]
    assert min(lengths) < 81 and max(lengths) <= 81


def test_heat_map_is_the_log_loss_on_the_grid(two_wells_spec):
    surface = core.make_surface("two_wells")
    heat = two_wells_spec["heat"]
    _, _, Z = surface.grid(heat["n"])
    logs = np.log10(np.maximum(Z - surface.min_value, surface.contour_levels(14)[0] * 0.3))
    stored = heat["lo"] + static.unpack(heat["data"]).reshape(Z.shape) / 255 * (heat["hi"] - heat["lo"])
    assert np.all(np.abs(stored - logs) <= (heat["hi"] - heat["lo"]) / 255 / 2 + 1e-9)


def test_lr_ladder_centres_on_the_default():
    assert static.lr_ladder(0.1) == [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
    assert static.lr_ladder(0.0015)[3] == 0.0015


# --- gradient-flow and regularization explorers -----------------------------------------------

def test_gradient_flow_values_are_the_cores_log10_norms():
    spec = static.gradient_flow_spec(depths=(2, 6))
    logs = static.unpack(spec["log10"])
    index = 0
    for activation in core.FLOW_ACTIVATIONS:
        for init in core.FLOW_INITS:
            for residual in (False, True):
                for depth in (2, 6):
                    flow = core.gradient_flow(depth, activation, init, residual=residual)
                    expected = np.concatenate([flow.activation_stds, flow.output_grad_norms,
                                               flow.weight_grad_norms, [flow.loss]])
                    start = spec["offsets"][index]
                    stored = logs[start:start + 3 * depth + 2]
                    assert np.array_equal(stored, np.log10(expected).astype(np.float32))
                    index += 1
    assert index == len(spec["offsets"])


def test_regularization_runs_are_the_cores_training_runs():
    spec = static.regularization_spec(epochs=10, strengths=(1e-2,), dropouts=(0.0, 0.5))
    assert len(spec["runs"]) == (1 + 2) * 2 * 2
    data = core.regularization_data(0)
    run = core.train_regularized("l1", 1e-2, 0.5, True, epochs=10, grid_size=static.REG_GRID,
                                 data=data)
    stored = spec["runs"][static.regularization_key("l1", 0, 1, True)]
    assert np.array_equal(static.unpack(stored["val"]), run.history["val_loss"].astype(np.float32))
    assert np.array_equal(static.unpack(stored["p"]), np.rint(run.probability.ravel() * 255))
    assert stored["valAcc"] == run.history["val_accuracy"][-1]
    assert np.array_equal(static.unpack(spec["train"]["x"]), data[0].ravel().astype(np.float32))


# --- the HTML -----------------------------------------------------------------------------------

def test_each_output_is_self_contained_with_a_unique_id():
    first, second = static.activation_explorer(), static.activation_explorer()
    ids = [re.search(r'id="(nnx-activation-[^"]+)"', o.data).group(1) for o in (first, second)]
    assert ids[0] != ids[1]
    for output in (first, second):
        assert static.renderer_js() in output.data
        assert "<style>" in output.data
        assert "http://" not in output.data and "https://" not in output.data
    assert _spec_of(first) == _spec_of(second)


def test_controls_start_at_the_requested_values():
    spec_output = static.gradient_flow_explorer(depth=8, activation="relu", init="he",
                                                residual=True, depths=(2, 8))
    html = spec_output.data
    assert re.search(r'max="1" step="1" value="1" data-key="depth"', html)
    assert re.search(r'<option value="2" selected>ReLU</option>', html)
    assert 'data-key="residual" checked' in html


def test_note_tells_what_changes_here_and_how_to_get_the_live_version():
    html = static.activation_explorer().data
    note = re.search(r'<p class="nnx-note">(.*?)</p>', html, re.S).group(1)
    assert "Here you can change" in note
    assert "launch button" in note
    assert "activation_explorer()" in note
