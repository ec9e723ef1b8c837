"""The playground's Reset, Step and three-class runs: what the page is told matches what the server trains."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.errors import ConfigError
from actlab.playground import CLASS_LEVELS, PlaygroundSession
from actlab.session import RunConfig


def _three_blobs(rng, n=60) -> bytes:
    centres = {"a": (-3.0, -3.0), "b": (3.0, -3.0), "c": (0.0, 3.0)}
    lines = ["x1,x2,label"]
    for label, (cx, cy) in centres.items():
        for x, y in rng.normal((cx, cy), 0.4, size=(n, 2)):
            lines.append(f"{x:.4f},{y:.4f},{label}")
    return ("\n".join(lines) + "\n").encode()


def test_a_new_weight_seed_gives_new_weights_on_the_same_data():
    first = PlaygroundSession(RunConfig(), grid=20)
    reset = PlaygroundSession(RunConfig(weight_seed=12345), grid=20)
    again = PlaygroundSession(RunConfig(weight_seed=12345), grid=20)
    np.testing.assert_array_equal(first.train_data.points, reset.train_data.points)
    assert not np.allclose(first.trainer.net.weights[0], reset.trainer.net.weights[0])
    for w, v in zip(reset.trainer.net.weights, again.trainer.net.weights, strict=True):
        np.testing.assert_array_equal(w, v)  # the seed in the link reproduces the run


def test_weight_seed_is_checked_by_name():
    with pytest.raises(ConfigError, match="weight_seed"):
        RunConfig.from_dict({"weight_seed": -1})
    assert RunConfig.from_dict({"weight_seed": None}).weight_seed is None


def test_a_step_is_counted_in_the_frame_the_page_draws():
    s = PlaygroundSession(RunConfig(), grid=20)
    s.step_once()
    header = s.frame_data().header
    assert header["step"] == 1 and header["epoch"] == 0


def test_three_classes_need_cross_entropy_and_mse_is_refused_by_name(rng):
    with pytest.raises(ConfigError, match="loss"):
        PlaygroundSession(RunConfig(dataset="csv", loss="mse"), csv_bytes=_three_blobs(rng), grid=20)


def test_a_three_class_surface_names_each_cells_most_likely_class(rng):
    cfg = RunConfig(dataset="csv", loss="cross-entropy", layers=(6,), lr=0.3)
    s = PlaygroundSession(cfg, csv_bytes=_three_blobs(rng), grid=30)
    s.advance(20)
    frame = s.frame_data()
    assert frame.header["classes"] == 3 and frame.header["class_levels"] == CLASS_LEVELS
    codes = frame.output.astype(int).ravel()
    with np.errstate(all="ignore"):
        probs = s.trainer.net.astype(np.float32).predict(s._grid_inputs)  # what was drawn, recomputed
    np.testing.assert_array_equal(codes // CLASS_LEVELS, np.argmax(probs, axis=1))
    assert set(np.unique(codes // CLASS_LEVELS)) == {0, 1, 2}  # every class owns part of the plane
    levels = codes % CLASS_LEVELS
    top = probs.max(axis=1)
    want = np.clip(np.rint((CLASS_LEVELS - 1) * (top - 1 / 3) / (2 / 3)), 0, CLASS_LEVELS - 1)
    np.testing.assert_array_equal(levels, want)
    # somewhere (near a blob's centre) the trained net is sure of its class
    assert levels.max() == CLASS_LEVELS - 1
