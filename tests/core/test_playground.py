"""A playground session driven programmatically matches the engine bit for bit; frames and exports."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from actlab.datasets import features
from actlab.playground import PlaygroundSession, export_json, export_torch
from actlab.session import RunConfig, build_trainer


def test_session_is_bit_identical_to_the_engine():
    cfg = RunConfig(dataset="xor", layers=(5, 3), activations=("relu", "tanh"), lr=0.05, seed=4, noise=0.1)
    session = PlaygroundSession(cfg, grid=20)
    for _ in range(3):
        session.advance(2)
    trainer = build_trainer(cfg)
    frames = list(trainer.frames(6))
    for a, b in zip(session.trainer.net.parameters(), trainer.net.parameters(), strict=True):
        assert np.array_equal(a, b)
    assert session.last_frame.train_loss == frames[-1].train_loss


def test_frame_encodes_header_and_int8_grids():
    session = PlaygroundSession(RunConfig(layers=(3, 2)), grid=16)
    session.advance(1)
    blob = session.frame_data().encode()
    (n,) = struct.unpack("<I", blob[:4])
    header = json.loads(blob[4:4 + n])
    g, t = header["grid"], header["thumb"]
    assert len(blob) == 4 + n + g * g + 5 * t * t
    assert header["layer_sizes"] == [2, 3, 2, 1] and len(header["layers"]) == 2
    out = np.frombuffer(blob[4 + n:4 + n + g * g], dtype=np.int8).reshape(g, g) / 127
    net = session.trainer.net
    top_left = net.predict(features(np.array([[-6.0, 6.0]])))[0, 0]  # tanh output in [-1, 1]
    assert out[0, 0] == pytest.approx(top_left, abs=1 / 127)


def test_default_frame_stays_small():
    session = PlaygroundSession(RunConfig(layers=(8,) * 6))
    session.advance(1)
    assert len(session.frame_data().encode()) < 25_000  # the reference's frames are 15-20 KB


def test_big_networks_get_coarser_thumbnails():
    assert PlaygroundSession(RunConfig(layers=(32,) * 6), grid=20).thumb_size < 10


def test_diverging_session_reports_and_keeps_working():
    session = PlaygroundSession(RunConfig(dataset="plane", layers=(8, 8), activations=("relu",), lr=10.0), grid=10)
    frame = session.advance(20)
    assert frame.status == "diverged"
    header = session.frame_data().header
    assert header["status"] == "diverged" and header["diverged_at_step"] >= 1


def test_export_json_round_trips_the_weights():
    session = PlaygroundSession(RunConfig(), grid=10)
    session.advance(3)
    data = json.loads(json.dumps(export_json(session)))
    for w, w0 in zip(data["network"]["weights"], session.trainer.net.weights, strict=True):
        np.testing.assert_array_equal(np.array(w), w0)


@pytest.mark.parametrize("acts", [("tanh",), ("relu", "leaky_relu"), ("silu", "gelu")])
def test_exported_pytorch_script_predicts_the_same(tmp_path, acts):
    from conftest import require_torch

    require_torch()
    cfg = RunConfig(layers=(4, 3), activations=acts, features=("x1", "x2", "x1x2"), negative_slope=0.1)
    session = PlaygroundSession(cfg, grid=10)
    session.advance(5)
    script = tmp_path / "net.py"
    script.write_text(export_torch(session))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    torch_values = np.array([float(v) for v in out.stdout.replace("[", " ").replace("]", " ").split()])
    grid = np.array([[x, y] for x in (-4.0, 0.0, 4.0) for y in (-4.0, 0.0, 4.0)])
    ours = session.trainer.net.predict(features(grid, cfg.features))[:, 0]
    np.testing.assert_allclose(torch_values, np.round(ours, 4), atol=1e-4)


def test_frame_marks_the_units_that_are_dead_on_the_whole_training_set():
    session = PlaygroundSession(RunConfig(layers=(6,), activations=("relu",)), grid=10)
    session.trainer.net.biases[0][[1, 4]] = -1e3  # never active for inputs in [-6, 6]^2
    session.last_frame = session.trainer.frame()
    header = session.frame_data().header
    assert header["layers"][0]["dead_units"] == [1, 4]
    from actlab.instruments import dead_mask, unit_derivatives

    _, trace = session.trainer.net.forward(session.trainer.x_train)
    assert np.flatnonzero(dead_mask(unit_derivatives(session.trainer.net, trace)[0])).tolist() == [1, 4]


def test_confusion_matrix_counts_the_test_set_and_matches_accuracy():
    session = PlaygroundSession(RunConfig(dataset="xor", n_points=200, seed=3), grid=10)
    session.advance(10)
    m = np.array(session.confusion())
    frame = session.last_frame
    assert m.sum() == len(session.test_data.labels)
    assert np.trace(m) / m.sum() == pytest.approx(frame.test_accuracy)
    assert m.sum(axis=1).tolist() == np.bincount(session.test_data.labels, minlength=2).tolist()


def test_share_line_is_the_output_gradient_times_the_product_of_maxima():
    session = PlaygroundSession(RunConfig(layers=(4, 3), activations=("sigmoid",)), grid=10)
    session.advance(1)
    h = session.frame_data().header
    assert h["deriv_products"] == [0.25**2, 0.25]
    assert h["share_norms"] == pytest.approx([0.0625 * h["last_grad_norm"], 0.25 * h["last_grad_norm"]])
    assert "bounds" not in h and "bound_norms" not in h  # it bounds nothing, so nothing calls it a bound


def test_frames_carry_the_engines_reading_record():
    session = PlaygroundSession(RunConfig(activations=("relu",), lr=10.0), grid=10)
    session.advance(50)
    session.advance(50)
    d = session.frame_data().header["diagnosis"]
    assert d["status"] == "no_gradient" and d["is_failure"] and d["remedy"]
    assert "output_saturated" in [f["status"] for f in d["findings"]]
    assert d == session.last_frame.diagnosis.to_dict()  # the same record the CLI prints


def test_frames_carry_the_minibatch_gradient_samples_since_the_last_frame():
    session = PlaygroundSession(RunConfig(layers=(4, 2)), grid=10)
    session.advance(2)  # 50 steps, sampled every 10 steps
    first = session.frame_data().header["grad_history"]
    assert [row[0] for row in first] == [10, 20, 30, 40, 50]
    assert all(len(row) == 1 + 3 for row in first)  # step, two hidden layers, the output layer
    session.advance(1)
    second = session.frame_data().header["grad_history"]
    assert [row[0] for row in second] == [60, 70]
    assert session.frame_data().header["grad_history"] == []  # nothing new, nothing resent


def test_exported_script_for_a_csv_with_three_inputs_predicts_the_same(tmp_path):
    from conftest import require_torch

    require_torch()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3))
    rows = "\n".join(f"{a:.3f},{b:.3f},{c:.3f},{int(a + b * c > 0)}" for a, b, c in x)
    session = PlaygroundSession(RunConfig(dataset="csv", layers=(5,)), f"a,b,c,label\n{rows}\n".encode(), grid=10)
    session.advance(3)
    script = tmp_path / "net.py"
    script.write_text(export_torch(session))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    torch_values = np.array([float(v) for v in out.stdout.replace("[", " ").replace("]", " ").split()])
    grid = np.array([[a, b, c] for a in (-4.0, 0.0, 4.0) for b in (-4.0, 0.0, 4.0) for c in (-4.0, 0.0, 4.0)])
    np.testing.assert_allclose(torch_values, np.round(session.trainer.net.predict(grid)[:, 0], 4), atol=1e-4)


@pytest.mark.parametrize("dataset", ["plane", "multi_gauss"])
def test_cross_entropy_on_a_regression_set_is_refused_by_name(dataset):
    from actlab.errors import ConfigError

    with pytest.raises(ConfigError, match="regression task") as err:
        build_trainer(RunConfig.from_dict({"dataset": dataset, "loss": "cross-entropy"}))
    assert err.value.field == "loss"
    assert build_trainer(RunConfig.from_dict({"dataset": dataset, "loss": "mse"})).net_config.head == "regression"
