"""Training: convergence on the playground's sets, determinism, divergence, optimisers, instruments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import instruments
from actlab.datasets import features, make_dataset
from actlab.errors import ConfigError
from actlab.network import MLP, NetworkConfig
from actlab.optim import OptimConfig, Optimizer
from actlab.readings import Status, diagnose
from actlab.training import Trainer


def circle_trainer(act="tanh", lr=0.03, seed=1, optimizer="sgd", **kw) -> Trainer:
    rng = np.random.default_rng(seed)
    train, test = make_dataset("circle", 500, 0.0, rng=rng).split(0.5, rng)
    return Trainer(NetworkConfig(2, (4, 2), (act,), "tanh_mse", init="playground"), OptimConfig(optimizer, lr, **kw),
                   features(train.points), train.labels, features(test.points), test.labels, batch_size=10, seed=seed)


def test_tanh_network_separates_the_circle_and_a_linear_one_cannot():
    tanh = list(circle_trainer("tanh").frames(300))[-1]
    linear = list(circle_trainer("identity").frames(300))[-1]
    assert tanh.test_accuracy >= 0.97 and tanh.test_loss < 0.05
    assert linear.test_accuracy < 0.75 and linear.test_loss > 0.4


def test_same_seed_gives_bit_identical_runs():
    a = [f.train_loss for f in circle_trainer(seed=3).frames(5)]
    b = [f.train_loss for f in circle_trainer(seed=3).frames(5)]
    assert a == b


def test_divergence_is_reported_with_its_step_and_the_model_stays_finite():
    rng = np.random.default_rng(0)
    d = make_dataset("plane", 200, 0.0, rng=rng)  # a regression head: nothing bounds the loss
    t = Trainer(NetworkConfig(2, (8, 8), ("relu",), "regression"), OptimConfig("sgd", 10.0),
                features(d.points), d.labels, batch_size=10)
    frames = list(t.frames(200))
    assert frames[-1].status == "diverged" and frames[-1].diverged_at_step == t.diverged_at_step
    assert all(np.isfinite(p).all() for p in t.net.parameters())
    assert len(frames) < 200


def test_target_loss_stops_training_early():
    frames = list(circle_trainer("tanh").frames(1000, target_loss=0.05))
    assert frames[-1].test_loss <= 0.05 and len(frames) < 1000


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_every_optimiser_reduces_the_loss(optimizer):
    lr = {"sgd": 0.03, "momentum": 0.01, "adam": 0.01}[optimizer]
    frames = list(circle_trainer("tanh", lr=lr, optimizer=optimizer).frames(60))
    assert frames[-1].train_loss < 0.5 * frames[0].train_loss


def test_adam_first_step_matches_the_closed_form(rng):
    """With bias correction, Adam's first step moves every parameter by lr * g / (|g| + eps) ~ lr sign(g)."""
    net = MLP.create(NetworkConfig(2, (3,), ("tanh",), "regression"), rng)
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    _, trace = net.forward(x)
    grads = net.backward(trace, y)
    before = [p.copy() for p in net.parameters()]
    Optimizer(OptimConfig("adam", lr=0.1, eps=1e-8), net).step(net, grads)
    for p0, p1, g in zip(before, net.parameters(), [*grads.dW, *grads.db], strict=True):
        np.testing.assert_allclose(p0 - p1, 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-12)


def test_l2_regularisation_adds_rate_times_weight(rng):
    net = MLP.create(NetworkConfig(2, (3,), ("tanh",), "regression"), rng)
    x, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    _, trace = net.forward(x)
    grads = net.backward(trace, y)
    w0 = net.weights[0].copy()
    Optimizer(OptimConfig("sgd", lr=0.5, reg="l2", reg_rate=0.1), net).step(net, grads)
    np.testing.assert_allclose(net.weights[0], w0 - 0.5 * (grads.dW[0] + 0.1 * w0), rtol=1e-14)


@pytest.mark.parametrize("batch_size", [0, 10_000, 2.5])
def test_bad_batch_size_names_the_field(batch_size):
    with pytest.raises(ConfigError) as info:
        circle_trainer_kwargs(batch_size=batch_size)
    assert info.value.field == "batch_size"


def circle_trainer_kwargs(**kwargs):
    rng = np.random.default_rng(0)
    d = make_dataset("circle", 100, 0.0, rng=rng)
    return Trainer(NetworkConfig(2, (4,), ("tanh",)), OptimConfig(), features(d.points), d.labels, **kwargs)


def test_negative_learning_rate_is_rejected():
    with pytest.raises(ConfigError, match="lr"):
        OptimConfig(lr=-0.1)


def test_nan_in_the_data_is_rejected_with_its_row():
    x = np.zeros((20, 2))
    x[7, 1] = np.nan
    with pytest.raises(ConfigError, match="row 7"):
        Trainer(NetworkConfig(2, (4,)), OptimConfig(), x, np.zeros(20, dtype=int))


# --- instruments ---------------------------------------------------------------------------


def test_deep_sigmoid_stack_reads_as_vanishing(rng):
    net = MLP.create(NetworkConfig(4, (32,) * 10, ("sigmoid",), "regression", init="xavier_normal"), rng)
    x, y = rng.normal(size=(64, 4)), rng.normal(size=(64, 1))
    out, trace = net.forward(x)
    reading = instruments.read(net, trace, net.backward(trace, y))
    ratios = [l.grad_ratio_to_last for l in reading.layers]
    assert ratios[0] < 1e-3 and diagnose(reading.summary()).status == Status.VANISHING
    assert diagnose(reading.summary()).words.startswith("vanishing: layer 1 gets")
    assert ratios[0] < ratios[-1]
    # the activations' share: 0.25 per sigmoid layer between layer 1 and the output
    assert reading.layers[0].deriv_product_to_last == pytest.approx(0.25**10)


def test_dead_relu_units_are_counted_and_named(rng):
    net = MLP.create(NetworkConfig(2, (6,), ("relu",), "regression"), rng)
    net.biases[0][:3] = -100.0  # three units can never switch on for |x| < 10
    x = rng.uniform(-1, 1, (200, 2))
    _, trace = net.forward(x)
    reading = instruments.read(net, trace, net.backward(trace, np.zeros((200, 1))))
    layer = reading.layers[0]
    assert layer.dead_units == (0, 1, 2) and layer.dead_fraction == 0.5
    assert "3 of 6 units in layer 1 are dead" in layer.reading


def test_saturated_tanh_units_are_flagged(rng):
    net = MLP.create(NetworkConfig(2, (4,), ("tanh",), "regression"), rng)
    net.weights[0][:, :2] *= 1000  # two units pushed deep into saturation
    x = rng.normal(size=(100, 2))
    _, trace = net.forward(x)
    layer = instruments.read(net, trace, net.backward(trace, np.zeros((100, 1)))).layers[0]
    assert set(layer.saturated_units) >= {0, 1} and 2 not in layer.saturated_units


def test_untrained_network_reads_flowing_never_healthy(rng):
    net = MLP.create(NetworkConfig(2, (8, 8), ("tanh",), "regression", init="xavier_normal"), rng)
    x = rng.normal(size=(64, 2))
    _, trace = net.forward(x)
    reading = instruments.read(net, trace, net.backward(trace, rng.normal(size=(64, 1))))
    assert diagnose(reading.summary()).status == Status.FLOWING  # no loss to judge: gradients flow, that is all


def test_percentiles_match_numpy_nearest_rank(rng):
    h = rng.normal(size=(37, 5))
    got = instruments._percentiles(h)
    want = np.percentile(h, [5, 50, 95], method="closest_observation")
    np.testing.assert_allclose(got, want, atol=np.ptp(h) / h.size * 2)


def test_surfaces_match_pointwise_forward(rng):
    net = MLP.create(NetworkConfig(2, (3, 2), ("tanh",)), rng)
    s = instruments.surfaces(net, lambda p: features(p), grid_size=5, extent=6.0, neuron_grid=3)
    assert s["output"].shape == (5, 5) and s["neurons"][0].shape == (3, 3, 3)
    top_left = net.predict(np.array([[-6.0, 6.0]]))[0, 0]
    assert s["output"][0, 0] == pytest.approx(top_left)
    assert math.isfinite(float(s["neurons"][1].sum()))


@pytest.mark.parametrize(("dead", "saturated", "words"), [
    (0, 0, ""),
    (0, 3, "3 of 8 units saturated"),
    (2, 2, "2 of 8 units in layer 1 are dead"),
    (2, 5, "2 of 8 units in layer 1 are dead; 3 more saturated"),
    (8, 8, "all 8 units in layer 1 are dead"),
])
def test_layer_reading_counts_each_unit_once(dead, saturated, words):
    from actlab.instruments import layer_reading

    assert layer_reading(1, 3, 0.5, dead, saturated, 8) == words
