"""The cheaper pieces of a playground frame give what the plain computation gives, to the bit.

References: a full sort read at the nearest ranks (the percentiles), a layer-at-a-time quantisation (the
thumbnails), and Trainer.frame() (the evaluation whose test set is run forward without derivatives)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from actlab import instruments
from actlab.activations import get
from actlab.playground import PlaygroundSession
from actlab.playground.evaluation import Evaluation
from actlab.playground.frames import _quantise
from actlab.playground.session import _colour_range, _thumbnails
from actlab.session import RunConfig, build_trainer


def _sorted_ranks(h: np.ndarray) -> tuple[float, ...]:
    flat = np.sort(h, axis=None)
    last = flat.size - 1
    return tuple(float(flat[round(q * last)]) for q in (0.05, 0.5, 0.95))


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (2, 1), (3, 3), (11, 1), (20, 1), (21, 1), (37, 5), (250, 32)])
@pytest.mark.parametrize("kind", ["normal", "nan", "inf", "ties", "transposed", "float32"])
def test_percentiles_are_the_sorted_values_at_the_nearest_ranks(rng, shape, kind):
    h = rng.normal(size=shape)
    if kind == "nan":
        h[rng.random(shape) < 0.2] = np.nan
    elif kind == "inf":
        h[rng.random(shape) < 0.1] = np.inf
        h[rng.random(shape) < 0.1] = -np.inf
    elif kind == "ties":
        h = np.round(h)
    elif kind == "transposed":
        h = h.T  # not C-contiguous: ravel() copies
    elif kind == "float32":
        h = h.astype(np.float32)
    before = h.copy()
    got = instruments._percentiles(h)
    np.testing.assert_array_equal(np.array(got), np.array(_sorted_ranks(h)))
    np.testing.assert_array_equal(h, before)  # the layer's outputs are read, never reordered


def test_a_layer_reads_no_dead_units_unless_its_activation_has_a_zero_region(rng):
    net = build_trainer(RunConfig(layers=(16, 16), activations=("tanh",))).net
    x = rng.normal(size=(64, 2)) * 50  # far out: tanh saturates, its f' underflows towards 0
    _, trace = net.forward(x)
    reading = instruments.read(net, trace, net.backward(trace, np.sign(rng.normal(size=(64, 1)))))
    for layer in reading.layers:
        assert layer.dead_units == () and layer.dead_fraction == 0.0
    relu = build_trainer(RunConfig(layers=(16,), activations=("relu",))).net
    relu.biases[0][:5] = -1e3  # five units never fire: dead
    _, trace = relu.forward(x)
    reading = instruments.read(relu, trace, relu.backward(trace, np.sign(rng.normal(size=(64, 1)))))
    assert reading.layers[0].dead_units == (0, 1, 2, 3, 4)


@pytest.mark.parametrize("activations", [("tanh",), ("tanh", "sigmoid", "relu")])
def test_thumbnails_quantised_at_once_equal_a_layer_at_a_time(rng, activations):
    acts = [get(a) for a in (activations * 3)[:3]] if len(activations) > 1 else [get(activations[0])] * 3
    cells = 7
    outs = [rng.normal(size=(cells + 16, 4)) * 1.5 for _ in acts]
    outs[0][cells + 1, 2] = np.nan  # a diverged network is drawn too
    outs[1][cells + 2, 0] = np.inf
    want = np.concatenate([_quantise(a[cells:].T, *_colour_range(f)) for a, f in zip(outs, acts, strict=True)])
    got = _thumbnails(outs, acts, cells)
    assert got.dtype == np.int8 and got.shape == (12, 16)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("activation", ["tanh", "gelu", "silu"])
def test_a_live_frame_at_the_default_cap_shows_trainer_frame_of_its_own_step(activation):
    """At 8 x 32 a frame's evaluation fits one frame: the numbers are Trainer.frame() at the frame's own step,
    though the test set now runs forward without f'."""
    session = PlaygroundSession(RunConfig(layers=(32,) * 8, activations=(activation,)))
    session.last_frame = session.trainer.frame()
    for _ in range(2):
        session.train(1)
        frame = session.finish_frame()
    want = session.trainer.frame()
    assert session.numbers_of(frame).step == frame.step == want.step
    assert json.dumps(session.numbers_of(frame).to_dict()) == json.dumps(want.to_dict())


def test_the_test_set_is_run_forward_without_derivatives(monkeypatch):
    trainer = build_trainer(RunConfig(layers=(5, 5), activations=("gelu",)))
    asked = []
    real = type(trainer.net).forward_layer

    def spy(self, trace, l, derivatives=True, pool=None):
        asked.append((len(trace.outs[0]), derivatives))
        return real(self, trace, l, derivatives, pool)

    monkeypatch.setattr(type(trainer.net), "forward_layer", spy)
    Evaluation(trainer, snapshot=False).run()
    n_train, n_test = len(trainer.x_train), len(trainer.x_test)
    assert asked == [(n_train, True), (n_test, False)] * 3  # layer by layer: the training set, then the test set
