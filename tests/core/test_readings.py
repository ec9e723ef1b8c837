"""The network's reading: chance against a brute-force reference, every failure named, and properties that no
reading says healthy when nothing learns and that whatever is called a bound holds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from actlab import activations, instruments
from actlab.experiments import measure_flow
from actlab.network import MLP, NetworkConfig, chance_loss, head_loss_and_grad, head_output, targets_for_head
from actlab.readings import (
    JUDGE_AFTER_STEPS,
    MOVED_FRACTION,
    LayerSummary,
    RunSummary,
    Status,
    diagnose,
)
from actlab.session import RunConfig, build_trainer

PLAIN = [n for n in activations.names() if not activations.get(n).is_gated]
INITS = ("playground", "standard", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_normal",
         "orthogonal")


# --- chance: the best constant prediction, found by brute force ------------------------------


def _best_constant_loss(head: str, t: np.ndarray) -> float:
    """Minimise the head's own loss over one shared logit (two classes) by a bounded scalar search."""
    def loss(z: float) -> float:
        return head_loss_and_grad(head, np.full((len(t), 1), z), t)[0]

    res = minimize_scalar(loss, bounds=(-40, 40), method="bounded", options={"xatol": 1e-10})
    return min(res.fun, loss(-40.0), loss(40.0))  # the optimum may lie at an end (all labels alike)


@pytest.mark.parametrize("head", ["tanh_mse", "sigmoid_mse", "logistic"])
@pytest.mark.parametrize("share", [0.5, 0.3, 0.9])
def test_chance_loss_is_the_best_constant_prediction(head, share, rng):
    labels = (rng.random(400) < share).astype(int)
    t = targets_for_head(head, labels)
    assert chance_loss(head, t) == pytest.approx(_best_constant_loss(head, t), rel=1e-6, abs=1e-9)


def test_chance_for_the_default_tanh_output_is_half_not_ln2():
    t = targets_for_head("tanh_mse", np.array([0, 1] * 50))
    assert chance_loss("tanh_mse", t) == pytest.approx(0.5)  # 0.5 * var(+-1) = 0.5; ln 2 is cross-entropy's
    assert chance_loss("logistic", targets_for_head("logistic", np.array([0, 1] * 50))) == pytest.approx(math.log(2))


def test_softmax_chance_is_the_entropy_of_the_class_frequencies(rng):
    labels = rng.choice(3, size=600, p=[0.2, 0.3, 0.5])
    # independent: the cross-entropy of predicting the frequencies themselves, and no nearby mix does better
    freq = np.bincount(labels) / len(labels)
    logits = np.tile(np.log(freq), (len(labels), 1))
    best = head_loss_and_grad("softmax", logits, labels)[0]
    assert chance_loss("softmax", labels) == pytest.approx(best, rel=1e-12)
    nudged = head_loss_and_grad("softmax", logits + np.array([0.05, -0.05, 0.0]), labels)[0]
    assert nudged > best


def test_regression_chance_is_half_the_variance(rng):
    y = rng.normal(3.0, 2.0, size=(500, 1))
    assert chance_loss("regression", y) == pytest.approx(0.5 * float(np.mean((y - y.mean()) ** 2)))


# --- every way a small network fails, from the engine ---------------------------------------


def _final(epochs: int, **settings) -> object:
    return list(build_trainer(RunConfig(**settings)).frames(epochs))[-1]


def test_relu_at_lr_10_reads_no_gradient_with_the_saturated_output():
    frame = _final(100, activations=("relu",), lr=10.0)
    d = frame.diagnosis
    assert frame.train_accuracy == pytest.approx(0.5, abs=0.05)
    assert d.status == Status.NO_GRADIENT and d.is_failure
    statuses = [f.status for f in d.findings]
    assert Status.OUTPUT_SATURATED in statuses and Status.NOT_LEARNING in statuses and Status.HEALTHY not in statuses
    assert d.evidence["chance_loss"] == pytest.approx(frame.chance_loss)


def test_a_diverged_run_reads_diverged():
    frame = _final(50, dataset="plane", layers=(8, 8), activations=("relu",), lr=10.0)
    assert frame.status == "diverged" and frame.diagnosis.status == Status.DIVERGED
    assert f"step {frame.diverged_at_step}" in frame.diagnosis.words


def test_a_run_that_never_moves_reads_not_learning_after_the_stated_updates():
    t = build_trainer(RunConfig(lr=1e-5))
    frames = list(t.frames(60))
    early = next(f for f in frames if f.step >= 100)
    late = frames[-1]
    assert early.step < JUDGE_AFTER_STEPS and early.diagnosis.status == Status.STARTING
    assert late.step >= JUDGE_AFTER_STEPS and late.diagnosis.status == Status.NOT_LEARNING
    assert late.diagnosis.evidence["judge_after_steps"] == JUDGE_AFTER_STEPS
    assert "raise the learning rate" in late.diagnosis.remedy


def test_a_deep_sigmoid_stack_reads_vanishing():
    frame = _final(3, layers=(8,) * 8, activations=("sigmoid",))
    assert frame.diagnosis.status == Status.VANISHING and "layer 1 gets" in frame.diagnosis.words


def test_a_learning_run_reads_healthy():
    frame = _final(100)
    assert frame.diagnosis.status == Status.HEALTHY
    assert frame.train_loss < (1 - MOVED_FRACTION) * frame.chance_loss


def test_every_run_starts_at_starting_not_healthy():
    t = build_trainer(RunConfig())
    assert t.frame().diagnosis.status == Status.STARTING


@pytest.mark.parametrize(("summary", "status"), [
    (RunSummary((LayerSummary("relu", 4, 0.0, dead=4, saturated=4),), 0.3, 0.69, 0.69, 10, 400), Status.DEAD_LAYER),
    (RunSummary((LayerSummary("relu", 4, 5e3),), 1.0, 0.2, 0.69, 10, 400), Status.EXPLODING),
    (RunSummary((LayerSummary("tanh", 4, 1e-5),), 1.0, 0.2, 0.69, 10, 400), Status.VANISHING),
    (RunSummary((LayerSummary("tanh", 4, math.nan),), 1.0, 0.2, 0.69, 10, 400), Status.DIVERGED),
    (RunSummary((LayerSummary("tanh", 4, 0.1),), 1.0, 0.4, 0.5, 10, 400, output_stuck_fraction=0.4),
     Status.OUTPUT_SATURATED),
    (RunSummary((LayerSummary("tanh", 4, 0.0),), 0.0, 0.3, 0.5, 10, 400), Status.NO_GRADIENT),
    (RunSummary((LayerSummary("tanh", 4, 0.1),), 0.2, 0.49, 0.5, 100, 2500), Status.NOT_LEARNING),
    (RunSummary((LayerSummary("tanh", 4, 0.1),), 0.2, 0.49, 0.5, 10, 250), Status.STARTING),
    (RunSummary((LayerSummary("tanh", 4, 0.1),), 0.2), Status.FLOWING),
    (RunSummary((LayerSummary("tanh", 4, 0.1),), 0.2, 0.1, 0.5, 10, 250), Status.HEALTHY),
])
def test_each_status_from_its_summary(summary, status):
    reading = diagnose(summary)
    assert reading.status == status
    if status != Status.FLOWING:  # an untrained network's words describe the flow alone
        assert reading.words.startswith(status.value.replace("_", " "))
    assert bool(reading.remedy) == reading.is_failure  # every failure says what to try


def test_a_perfect_fit_with_no_gradient_says_so_and_is_no_failure():
    # W16: a fit of loss 0 read 'no gradient' in orange with 'lower the learning rate and reset' (a perfect model
    # thrown away); it reads learned now, with no remedy (tests/core/test_fit_not_failure_p2.py)
    reading = diagnose(RunSummary((LayerSummary("tanh", 4, 0.0),), 0.0, 0.0, 0.5, 100, 2500))
    assert reading.status == Status.HEALTHY and "fits the training data" in reading.words and not reading.remedy


def test_reading_json_is_plain_json():
    import json

    d = diagnose(RunSummary((LayerSummary("tanh", 4, 0.0),), 0.0, math.nan, 0.5, 10, 100)).to_dict()
    text = json.dumps(d, allow_nan=False)  # NaN would break a browser's JSON.parse
    assert json.loads(text)["status"] == "diverged"


# --- property: no reading says healthy when nothing learns -----------------------------------


def _independent_loss(head: str, out: np.ndarray, labels: np.ndarray) -> float:
    """The training loss recomputed from the network's outputs with the textbook formulas."""
    with np.errstate(all="ignore"):
        if head == "tanh_mse":
            return float(np.mean(0.5 * (out[:, 0] - (2 * labels - 1)) ** 2))
        if head == "logistic":
            p = np.clip(out[:, 0], 1e-300, 1 - 1e-16)
            return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log1p(-p)))
        raise AssertionError(head)


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(activation=st.sampled_from(PLAIN), lr=st.one_of(st.floats(0.01, 0.3), st.floats(1e-4, 100.0)),
       init=st.sampled_from(INITS),
       seed=st.integers(0, 2**16), loss=st.sampled_from(["mse", "cross-entropy"]),
       epochs=st.integers(0, 40), batch=st.sampled_from([1, 5, 25]), layers=st.sampled_from([(4,), (4, 2), (6, 6, 6)]))
def test_no_reading_is_healthy_when_nothing_learns(activation, lr, init, seed, loss, epochs, batch, layers):
    cfg = RunConfig(dataset="circle", n_points=100, activations=(activation,), lr=lr, init=init, seed=seed,
                    loss=loss, batch_size=batch, layers=layers)
    t = build_trainer(cfg)
    frame = list(t.frames(epochs))[-1] if epochs else t.frame()
    head = t.net_config.head
    labels = (t.t_train[:, 0] > 0).astype(float) if head == "tanh_mse" else t.t_train[:, 0]
    chance = _best_constant_loss(head, t.t_train)
    with np.errstate(all="ignore"):
        out, trace = t.net.forward(t.x_train)
        grads = t.net.backward(trace, t.t_train)
    with np.errstate(all="ignore"):
        norms = [float(np.sqrt(np.sum(g.astype(float) ** 2))) for g in grads.dW]
    loss_now = _independent_loss(head, out, labels)
    no_gradient = all(g == 0 for g in norms)
    non_finite = not all(math.isfinite(g) for g in norms) or not math.isfinite(loss_now)
    not_moved = not loss_now < (1 - MOVED_FRACTION) * chance
    event(f"reading: {frame.diagnosis.status.value}")
    if no_gradient or non_finite or not_moved or frame.status == "diverged":
        assert frame.diagnosis.status != Status.HEALTHY, frame.diagnosis.to_dict()
    if frame.diagnosis.status == Status.HEALTHY:  # and healthy carries its evidence
        ratio = norms[0] / norms[-1]
        assert 1e-3 <= ratio <= 1e3 and loss_now < (1 - MOVED_FRACTION) * chance


# --- property: whatever is called a bound holds ---------------------------------------------


@settings(max_examples=80, deadline=None, derandomize=True)
@given(activation=st.sampled_from(PLAIN), init=st.sampled_from(INITS), width=st.integers(2, 32),
       depth=st.integers(1, 12), seed=st.integers(0, 2**16), scale=st.sampled_from([0.1, 1.0, 3.0]))
def test_signal_bound_holds_for_every_network(activation, init, width, depth, seed, scale):
    rng = np.random.default_rng(seed)
    net = MLP.create(NetworkConfig(width, (width,) * depth, (activation,), "regression", init=init), rng)
    x, y = rng.normal(scale=scale, size=(16, width)), rng.normal(size=(16, 1))
    with np.errstate(all="ignore"):
        _, trace = net.forward(x)
        reading = instruments.read(net, trace, net.backward(trace, y), with_bounds=True)
    for layer in reading.layers:
        ratio, bound = layer.signal_ratio_to_last, layer.signal_bound_to_last
        if math.isfinite(ratio):
            assert ratio <= bound * (1 + 1e-9), (layer.layer, ratio, bound)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(activation=st.sampled_from(PLAIN), init=st.sampled_from(INITS[1:]), width=st.sampled_from([16, 32, 64]),
       depth=st.integers(1, 50))
def test_the_lessons_bound_holds_over_every_setting_of_its_controls(activation, init, width, depth):
    flow = measure_flow(activation, depth, width, init, seeds=2, n=16)
    finite = np.isfinite(flow.signal_ratio_to_last)
    with np.errstate(over="ignore"):  # relu_squared's bound overflows to inf at depth, which still bounds
        assert np.all(flow.signal_ratio_to_last[finite] <= flow.signal_bound_to_last[finite] * (1 + 1e-9))


def test_max_f_prime_to_the_n_is_no_bound_on_the_measured_ratio():
    """The lesson's default view: the measured ||dW|| ratio rises above (max f')^n near the output. That is why the
    line is labelled the activations' share and not a bound."""
    flow = measure_flow("sigmoid", 10, 32, "xavier_normal", seeds=5, n=64)
    assert np.any(flow.ratio_to_last > flow.deriv_product_to_last)
    assert np.all(flow.signal_ratio_to_last <= flow.signal_bound_to_last)


def test_output_stuck_fraction_counts_wrong_and_saturated_samples():
    logits = np.array([[30.0], [30.0], [-30.0], [0.1]])
    t = np.array([[1.0], [-1.0], [1.0], [-1.0]])  # right+saturated, wrong+saturated, wrong+saturated, wrong+live
    assert instruments.output_stuck_fraction("tanh_mse", logits, t) == pytest.approx(0.5)
    assert head_output("tanh_mse", logits)[1, 0] == 1.0
    assert instruments.output_stuck_fraction("logistic", logits, (t + 1) / 2) is None


# --- failures found by a fresh walkthrough ----------------------------------------------------


def test_relu_with_xavier_at_depth_50_reads_vanishing_though_the_weight_ratio_looks_fine():
    """Forward activations shrink with depth, so the output layer's ||dW|| collapses too and the ||dW|| ratio
    read 8.3 ("healthy") while the signal passed back to layer 1 was 1e-8 of the output layer's."""
    flow = measure_flow("relu", 50, 32, "xavier_normal", seeds=5, n=64)
    assert flow.ratio_to_last[0] > 1e-3  # the weight ratio alone would not say it
    assert flow.reading.status == Status.VANISHING and "passed back to layer 1" in flow.reading.words
    he = measure_flow("relu", 50, 32, "he_normal", seeds=5, n=64)
    assert he.reading.status == Status.FLOWING


def test_no_gradient_under_cross_entropy_blames_the_layer_not_an_mse_output():
    frame = _final(60, activations=("relu",), loss="cross-entropy", lr=10.0)
    d = frame.diagnosis
    assert d.is_failure and "MSE" not in d.remedy.split(";")[0] and "tanh or sigmoid output" not in d.words
    if d.status == Status.NO_GRADIENT:
        # (ReLU units cannot saturate: 'off', not 'dead or saturated', W77 walkthrough finding 3)
        assert d.evidence["off_layers"] and "is off, so nothing passes back" in d.words and "saturated" not in d.words


def test_memorising_random_labels_reads_not_generalising(rng):
    from actlab.network import NetworkConfig
    from actlab.optim import OptimConfig
    from actlab.training import Trainer

    x, y = rng.normal(size=(200, 2)), rng.integers(0, 2, 200)
    t = Trainer(NetworkConfig(2, (32, 32), ("relu",), "logistic", init="he_normal"), OptimConfig("adam", 0.01),
                x[:100], y[:100], x[100:], y[100:], batch_size=10)
    frame = list(t.frames(300))[-1]
    assert frame.train_loss < 0.5 * frame.chance_loss  # it memorised the training points
    assert frame.diagnosis.status == Status.NOT_GENERALISING and frame.diagnosis.status != Status.HEALTHY


def test_unscaled_inputs_are_named_with_the_remedy(rng):
    from actlab.network import NetworkConfig
    from actlab.optim import OptimConfig
    from actlab.training import Trainer

    x = rng.normal(size=(100, 2)) * 1e6
    t = Trainer(NetworkConfig(2, (4, 4), ("tanh",)), OptimConfig("sgd", 0.03), x, (x[:, 0] > 0).astype(int))
    d = list(t.frames(5))[-1].diagnosis
    assert d.status == Status.UNSCALED_INPUTS and "mean 0 and variance 1" in d.remedy
    assert d.evidence["input_rms"] == pytest.approx(float(np.sqrt(np.mean(x * x))))


def test_a_dead_unit_is_counted_once_not_also_as_saturated(rng):
    net = MLP.create(NetworkConfig(2, (6,), ("relu",), "regression"), rng)
    net.biases[0][:3] = -100.0
    x = rng.uniform(-1, 1, (200, 2))
    _, trace = net.forward(x)
    layer = instruments.read(net, trace, net.backward(trace, np.zeros((200, 1)))).layers[0]
    assert layer.dead_units == (0, 1, 2) and not set(layer.saturated_units) & {0, 1, 2}
    assert layer.dead_fraction + layer.saturated_fraction <= 1
