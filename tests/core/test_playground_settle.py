"""A paused or stopped playground run shows numbers taken at the weights it has (PlaygroundSession.settle), and a
live frame carries a bounded run of neuron thumbnails (THUMB_BYTES) drawn in the same forward pass as the surface.

The losses are checked against a forward pass written here from the weights alone (NumPy matrix products, np.tanh,
the playground's 0.5 * mean squared error on targets -1/+1), not against the evaluation code under test."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.datasets import features
from actlab.playground import PlaygroundSession, frame_header
from actlab.playground import session as session_module
from actlab.playground.frames import _quantise
from actlab.session import RunConfig


def reference_loss(s: PlaygroundSession) -> float:
    """The training loss of the session's network as it is now, computed apart from actlab's evaluation."""
    net = s.trainer.net
    a = features(s.train_data.points, s.config.features).astype(np.float64)
    for l, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        z = a @ w + b
        a = z if l == len(net.weights) - 1 else np.tanh(z)
    out = np.tanh(a[:, 0])
    y = np.where(s.train_data.labels > 0, 1.0, -1.0)
    return 0.5 * float(np.mean((out - y) ** 2))


@pytest.fixture
def spread(monkeypatch):
    """A small network whose evaluation is spread over frames, as a 32 x 256 one is (a small EVAL_BUDGET)."""
    monkeypatch.setattr(session_module, "EVAL_BUDGET", 2e5)
    s = PlaygroundSession(RunConfig(layers=(16, 16, 16), activations=("tanh",), n_points=200, batch_size=10), grid=20)
    s.last_frame = s.trainer.frame()
    return s


def live_frame(s: PlaygroundSession) -> dict:
    s.train(1)
    s.finish_frame()
    return frame_header(s.frame_data(rolling=True).encode())


def test_a_live_frame_of_a_spread_evaluation_trails_and_settle_catches_up(spread):
    s = spread
    headers = [live_frame(s) for _ in range(5)]
    assert s._evaluating is not None  # paused in the middle of an evaluation
    assert headers[-1]["evaluated_step"] < headers[-1]["step"] == s.trainer.step_count
    assert headers[-1]["train_loss"] != pytest.approx(reference_loss(s), rel=1e-9)  # the numbers are older
    s.settle()
    header = frame_header(s.frame_data().encode())
    assert header["evaluated_step"] == header["step"] == s.trainer.step_count
    assert header["train_loss"] == pytest.approx(reference_loss(s), rel=1e-12)


def test_an_evaluation_dropped_at_a_pause_never_shows_older_numbers_afterwards(spread):
    s = spread
    for _ in range(3):
        live_frame(s)
    s.settle()
    settled = s.trainer.step_count
    evaluated = [live_frame(s)["evaluated_step"] for _ in range(40)]
    assert min(evaluated) >= settled  # the old evaluation (of a step before the pause) was not finished later
    assert evaluated == sorted(evaluated) and evaluated[-1] > settled  # a fresh one starts and finishes


def test_settle_at_the_current_step_evaluates_nothing_again(spread):
    s = spread
    s.settle()
    first = s.last_frame
    assert s.settle() is first  # already current: the same frame, no new evaluation


def test_settle_on_the_first_frame_evaluates_the_untrained_network():
    s = PlaygroundSession(RunConfig(layers=(4, 2), n_points=100), grid=10)
    frame = s.settle()
    assert frame.step == 0 and frame.train_loss == pytest.approx(reference_loss(s), rel=1e-12)


def test_thumbnails_come_from_the_shared_pass_and_match_a_separate_one():
    s = PlaygroundSession(RunConfig(layers=(6, 5), activations=("tanh",), n_points=100), grid=30)
    s.advance(2)
    data = s.frame_data()
    net32 = s.trainer.net.astype(np.float32)
    _, trace = net32.forward(s._thumb_inputs, derivatives=False)
    alone = np.concatenate([_quantise(a.T, -1.0, 1.0) for a in trace.outs[1:-1]])
    assert data.neurons.shape == (11, s.thumb_size**2)
    # float32 products over a longer array may round differently in the last bit: at most one int8 level apart
    assert np.abs(data.neurons.astype(int) - alone.astype(int)).max() <= 1
    out, _ = net32.forward(s._grid_inputs, derivatives=False)
    surface = _quantise(out[:, 0].reshape(s.grid, s.grid), -1.0, 1.0)
    assert np.abs(data.output.astype(int) - surface.astype(int)).max() <= 1
    header = frame_header(data.encode())
    assert (header["thumb_from"], header["thumb_count"]) == (0, 11)


def test_a_big_networks_live_frames_carry_every_thumbnail_in_turn(monkeypatch):
    monkeypatch.setattr(session_module, "THUMB_BYTES", 1000)
    s = PlaygroundSession(RunConfig(layers=(40, 40, 40), n_points=100), grid=20)  # 120 neurons, 8 x 8 thumbnails
    t2 = s.thumb_size**2
    assert t2 == 64
    full = s.frame_data().neurons  # not a live frame: all of them
    assert full.shape == (120, t2)
    seen = np.zeros(120, dtype=int)
    store = np.zeros_like(full)
    for _ in range(8):  # 15 neurons (960 bytes) a frame: every neuron within 8 frames, then round again
        data = s.frame_data(rolling=True)
        header = frame_header(data.encode())
        lo, n = header["thumb_from"], header["thumb_count"]
        assert n * t2 <= 1000 and data.neurons.shape == (n, t2)
        assert len(data.encode()) == 4 + int.from_bytes(data.encode()[:4], "little") + s.grid**2 + n * t2
        store[lo:lo + n] = data.neurons
        seen[lo:lo + n] += 1
    assert (seen == 1).all()
    np.testing.assert_array_equal(store, full)  # the same network: the pieces make the whole
    assert frame_header(s.frame_data(rolling=True).encode())["thumb_from"] == 0  # and round again


def test_a_diverged_hard_cap_run_settles_on_its_last_frame():
    """32 x 256 of relu_squared at lr 1: the first update overflows, the frame says so, and a pause draws it."""
    s = PlaygroundSession(RunConfig(layers=(256,) * 32, activations=("relu_squared",), lr=1.0, n_points=100))
    s.last_frame = s.trainer.frame()
    for _ in range(5):
        if s.trainer.diverged:
            break
        live_frame(s)
    assert s.trainer.diverged
    header = live_frame(s)  # a diverged run is evaluated at once
    assert header["status"] == "diverged" and header["evaluated_step"] == header["step"]
    frame = s.settle()
    assert frame.step == s.trainer.step_count and frame.status == "diverged"
    data = s.frame_data()
    header = frame_header(data.encode())  # strict JSON: non-finite numbers follow the wire convention
    assert header["status"] == "diverged" and header["diverged_at_step"] is not None
    assert data.output.shape == (s.grid, s.grid) and data.neurons.shape == (256 * 32, s.thumb_size**2)
