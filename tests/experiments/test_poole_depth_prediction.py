"""poole2016 judges each row against the rate predicted for the depth actually run (issue 19, fourth walkthrough):
judged against the infinite-depth χ₁, tanh at σ_w² = 0.5 (measured 0.4945, predicted 0.4947 for 50 layers, χ₁ 0.5)
turned "not reproduced" at 10 seeds, as the tolerance shrank to 0.9%, so the verdict depended on the seed count."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.experiments import poole2016
from actlab.experiments.reproduction import NOT_REPRODUCED, REPRODUCED, SHOWN

CONFIGS = (*poole2016.CONFIGS, poole2016.CRITICAL)


def _fake_rates(offset: float):
    """measured_rates' stand-in: every seed measures each configuration's 50-layer prediction times (1 + offset),
    with a seed-to-seed wobble of 0.05%."""
    predicted = np.array([poole2016.finite_depth_rate(n, s2) for n, s2 in CONFIGS])

    def rates(seed, configs=CONFIGS, **_):
        rate = predicted * (1 + offset) * (1 + 5e-4 * (-1) ** seed)
        return np.tile(rate[:, None], (1, poole2016.DEPTH - 1)), rate

    return rates


@pytest.mark.parametrize("seeds", [1, 3, 10])
def test_rows_at_the_depth_prediction_reproduce_at_any_seed_count(monkeypatch, seeds):
    monkeypatch.setattr(poole2016, "measured_rates", _fake_rates(0.0))
    record = poole2016.reproduce_poole2016(quick=True, seeds=seeds)
    assert {f.key: f.verdict for f in record.findings if f.verdict != SHOWN} == {
        "tanh_0.5": REPRODUCED, "tanh_2": REPRODUCED, "relu_2": REPRODUCED}
    assert record.verdict == REPRODUCED


def test_tanh_rows_give_both_predictions_and_say_why_they_differ(monkeypatch):
    monkeypatch.setattr(poole2016, "measured_rates", _fake_rates(0.0))
    record = poole2016.reproduce_poole2016(quick=True, seeds=2)
    low = record.finding("tanh_0.5")
    assert "0.4947" in low.what and "χ₁ = 0.5000" in low.what and "q_l settles" in low.what
    assert "0.4947, the prediction for 50 layers" in low.criterion
    assert "χ₁ = 0.5000" in low.paper
    assert "against the 50-layer prediction" in low.note and "1.06% against χ₁ itself" in low.note
    high = record.finding("tanh_2")
    assert "1.1014" in high.what and "χ₁ = 1.1055" in high.what
    relu = record.finding("relu_2")  # the two predictions agree: one number, and the reason
    assert "χ₁ = 1.0000" in relu.what and "every variance" in relu.what and "of χ₁" in relu.criterion
    # the figure draws the layer-by-layer prediction for each tanh net, the one the rows are judged by
    along = [s.label for s in record.series if "along q_l" in s.label]
    assert along == [f"tanh, σ_w² = {v:g}: χ(q_l) along q_l (prediction)" for v in (0.5, 2.0, 1.0)]


def test_a_rate_off_the_depth_prediction_is_not_reproduced(monkeypatch):
    monkeypatch.setattr(poole2016, "measured_rates", _fake_rates(0.02))  # 2% off, tolerance 1.3% at 5 seeds
    record = poole2016.reproduce_poole2016(seeds=5)
    assert record.finding("tanh_0.5").verdict == NOT_REPRODUCED
    assert record.finding("relu_2").verdict == NOT_REPRODUCED
