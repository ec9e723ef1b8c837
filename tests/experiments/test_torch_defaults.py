"""Issue 19's runs as its author measured them in PyTorch (bench/torch_reference.py): nn.Linear's initialisation
where the issue names none, and each claim that still differs says what PyTorch measured for the same run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab.experiments import he2015, hendrycks2016, poole2016, shazeer2020
from actlab.experiments._residual import ResidualNet
from actlab.experiments.reproduction import NOT_REPRODUCED, REPRODUCED

# --- shazeer2020: the residual net draws as nn.Linear does --------------------------------------------------


def test_residual_net_draws_weights_and_outer_biases_as_nn_linear():
    net = ResidualNet.create("swiglu", 32, 64, 171, 16, 4, np.random.default_rng(0))
    p = net.params
    for key, fan_in in (("W_in", 32), ("W_out", 64), ("W1_0", 64), ("V0", 64), ("W2_0", 171)):
        bound = 1 / math.sqrt(fan_in)
        assert np.max(np.abs(p[key])) <= bound, key  # N(0, 1/fan_in) draws pass the bound in nearly every entry
        assert np.var(p[key]) == pytest.approx(bound**2 / 3, rel=0.15), key  # U(-b, b): variance b^2 / 3
    for key, fan_in in (("b_in", 32), ("b_out", 64)):
        assert np.all(p[key] != 0) and np.max(np.abs(p[key])) <= 1 / math.sqrt(fan_in), key
    for b in range(4):  # nn.LayerNorm starts at gain 1 and shift 0
        assert np.all(p[f"g{b}"] == 1) and np.all(p[f"beta{b}"] == 0)


def test_residual_net_keeps_the_normal_draw_for_comparison_and_refuses_other_names():
    net = ResidualNet.create("relu", 32, 64, 256, 16, 4, np.random.default_rng(0), init="normal")
    assert np.var(net.params["W1_0"]) == pytest.approx(1 / 64, rel=0.05)
    assert np.all(net.params["b_in"] == 0)
    with pytest.raises(ValueError, match="'torch' or 'normal'"):
        ResidualNet.create("relu", 32, 64, 256, 16, 4, np.random.default_rng(0), init="xavier")


def test_shazeer2020_nets_use_nn_linears_draw():
    net = shazeer2020.make("glu", 32, 16, 0)
    assert np.max(np.abs(net.params["W1_0"])) <= 1 / 8
    assert np.any(net.params["b_out"] != 0)


# --- he2015: nn.Linear's biases under He's and Xavier's weights ----------------------------------------------


def test_he2015_nets_start_with_nn_linears_biases(monkeypatch):
    nets = []

    def keep(net, *args, **kwargs):
        nets.append(net)
        return [math.log(10)]

    monkeypatch.setattr(he2015, "train_epochs", keep)
    he2015.train_deep("he_normal", 0, 1)
    net = nets[0]
    assert len(net.biases) == he2015.DEPTH + 1
    for w, b in zip(net.weights, net.biases, strict=True):
        bound = 1 / math.sqrt(w.shape[0])
        assert np.all(b != 0) and np.max(np.abs(b)) <= bound
    together = np.concatenate(net.biases[1:-1]) * math.sqrt(he2015.WIDTH)  # the hidden layers': U(-1, 1)
    assert np.var(together) == pytest.approx(1 / 3, rel=0.1)
    assert np.var(net.weights[1]) == pytest.approx(2 / he2015.WIDTH, rel=0.05)  # He-normal weights unchanged


def _fake_he(monkeypatch, final: list[float]):
    """he2015's reproduction with made-up training curves ending at ``final`` (He) and moments at their limits."""
    def moments(width, seed, moments_out=None):
        if moments_out is not None:
            for k, rate in (("xavier", 0.5), ("he", 1.0)):
                moments_out[k] = [rate**layer for layer in range(1, he2015.DEPTH + 1)]
        return {"xavier": 0.5, "he": 1.0}

    monkeypatch.setattr(he2015, "moment_ratios", moments)
    seeds = iter(range(100))

    def curve(init, seed, epochs, optimizer="momentum"):
        next(seeds)
        if init == "xavier_normal":
            return [math.log(10)] * (epochs + 1)
        return [2.0] + [0.4] * (epochs - 1) + [final[seed]]

    monkeypatch.setattr(he2015, "train_deep", curve)
    return he2015.reproduce_he2015(seeds=len(final))


def test_he2015_epoch30_note_counts_the_seeds_and_says_what_pytorch_measured_when_it_fails(monkeypatch):
    f = _fake_he(monkeypatch, [0.01, 0.26, 0.02]).finding("he_epoch30")
    assert f.verdict == NOT_REPRODUCED
    assert f.note.startswith("2 of 3 seeds below 0.1, from 0.0100 to 0.2600")
    assert "in PyTorch end above 0.1 in 3 of 10 seeds" in f.note


def test_he2015_epoch30_note_when_every_seed_passes_says_only_the_count(monkeypatch):
    f = _fake_he(monkeypatch, [0.01, 0.02, 0.03]).finding("he_epoch30")
    assert f.verdict == REPRODUCED
    assert f.note == "3 of 3 seeds below 0.1, from 0.0100 to 0.0300"


# --- hendrycks2016: lr 1e-4's seed count beside PyTorch's ----------------------------------------------------


def _fake_gelu(monkeypatch, gelu_wins_b: list[bool]):
    def run(activation, lr, dropout, seed, epochs=50, record=None):
        end = 0.01
        if activation == "gelu_tanh":
            end = 0.009 if (lr == 1e-3 or gelu_wins_b[seed]) else 0.011
        return [2.3] * (len(record) - 1) + [end]

    monkeypatch.setattr(hendrycks2016, "train_run", run)
    return hendrycks2016.reproduce_hendrycks2016(seeds=len(gelu_wins_b))


def test_hendrycks2016_lr_1e4_failure_says_pytorch_misses_every_seed_too(monkeypatch):
    record = _fake_gelu(monkeypatch, [True, False, True])
    b, a = record.finding("gelu_below_relu_b"), record.finding("gelu_below_relu_a")
    assert b.verdict == NOT_REPRODUCED and b.note.startswith("2 of 3 seeds")
    assert "in PyTorch ends GELU below ReLU in 8 of 10 seeds" in b.note
    assert "PyTorch" not in a.note  # (a) passed: nothing to explain


def test_hendrycks2016_lr_1e4_pass_has_no_explanation(monkeypatch):
    b = _fake_gelu(monkeypatch, [True, True]).finding("gelu_below_relu_b")
    assert "PyTorch" not in b.note


# --- poole2016: the critical tanh's plain mean beside its geometric mean -------------------------------------


def test_poole2016_critical_plain_mean_prediction_is_the_issues_figure():
    factors = poole2016.chi_along("tanh", 1.0)
    assert float(np.mean(factors)) == pytest.approx(0.936, abs=0.002)  # the issue's 0.936
    assert poole2016.finite_depth_rate("tanh", 1.0) == pytest.approx(0.9315, abs=5e-4)  # the geometric mean


def test_poole2016_critical_row_gives_both_means(monkeypatch):
    configs = (*poole2016.CONFIGS, poole2016.CRITICAL)
    ratios = np.ones((len(configs), poole2016.DEPTH - 1))
    ratios[-1] = np.linspace(0.8, 1.0, poole2016.DEPTH - 1)  # a critical net's ratios rise towards 1
    geometric = np.exp(np.mean(np.log(ratios), axis=1))
    monkeypatch.setattr(poole2016, "measured_rates", lambda seed, configs: (ratios, geometric))
    f = poole2016.reproduce_poole2016(seeds=1).finding("tanh_1_critical")
    assert f.measured == pytest.approx(geometric[-1])
    assert f"Their plain mean is {np.mean(ratios[-1]):.4f} (predicted 0.9344)" in f.note
    assert "geometric mean of the 49 per-layer ratios" in f.note
    assert "a figure near 0.936 for this net is that mean" in f.note


# --- the figures the issue implies: Glorot's first 100 steps and Jacobians, He's moments per layer ------------


@pytest.fixture(scope="module")
def glorot_quick():
    from actlab.experiments import reproduce

    return reproduce("glorot2010", quick=True)


def test_glorot2010_draws_each_layers_mean_activation_over_the_first_100_steps(glorot_quick):
    from actlab.experiments import glorot2010

    lines = [s for s in glorot_quick.series if s.panel == glorot2010.STEPS_PANEL]
    assert [s.label for s in lines] == [f"layer {layer}, seed 0" for layer in range(1, 6)]
    assert lines[0].x == list(range(0, 101, 5))
    top = lines[-1].y
    assert top[0] == pytest.approx(glorot_quick.finding("sigmoid_top_before").measured)
    assert top[-1] == pytest.approx(glorot_quick.finding("sigmoid_top_after").measured)
    assert top[-1] < 0.1 < 0.4 < top[0]  # the top layer is driven to 0 within the panel


def test_glorot2010_draws_each_layers_jacobian_singular_value_beside_the_papers(glorot_quick):
    from actlab.experiments import figures, glorot2010

    lines = {s.label: s for s in glorot_quick.series if s.panel == glorot2010.SINGULAR_PANEL}
    for init, key, level in (("standard", "singular_standard", 0.5), ("normalized", "singular_normalized", 0.8)):
        measured = lines[f"{init}, seed 0"]
        assert measured.x == [2, 3, 4, 5]
        assert np.mean(measured.y) == pytest.approx(glorot_quick.finding(key).measured)  # the finding's mean
        assert lines[figures.prediction_label(f"{init}: the paper's value")].y == [level, level]
    assert glorot2010.SINGULAR_PANEL in figures.AXES and glorot2010.STEPS_PANEL in figures.AXES


def test_he2015_per_layer_moments_multiply_to_the_measured_rate():
    moments: dict[str, list[float]] = {}
    rates = he2015.moment_ratios(128, 0, moments_out=moments)
    for k in ("xavier", "he"):
        m = moments[k]
        assert len(m) == he2015.DEPTH
        # the finding's rate is the geometric mean of layers 2..30's ratios: (m_30 / m_1)^(1 / 29)
        assert (m[-1] / m[0]) ** (1 / (he2015.DEPTH - 1)) == pytest.approx(rates[k], rel=1e-9)
    assert moments["xavier"][-1] < 1e-7 < 0.1 < moments["he"][-1]


def test_he2015_draws_the_second_moment_per_layer_with_its_prediction(monkeypatch):
    from actlab.experiments import figures

    record = _fake_he(monkeypatch, [0.01])
    lines = {s.label: s for s in record.series if s.panel == he2015.MOMENT_PANEL}
    assert set(lines) == {"Xavier-normal, seed 0", "He-normal, seed 0",
                          figures.prediction_label("Xavier-normal: 0.5 per layer"),
                          figures.prediction_label("He-normal: 1 per layer")}
    assert all(s.log_y and s.x == list(range(1, he2015.DEPTH + 1)) for s in lines.values())
    assert lines[figures.prediction_label("Xavier-normal: 0.5 per layer")].y[-1] == pytest.approx(0.5**30)
    assert he2015.MOMENT_PANEL in figures.AXES
