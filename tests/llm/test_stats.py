"""Streamed statistics of activation inputs (stats.py) against the same numbers computed on the whole array."""

from __future__ import annotations

import numpy as np
import pytest

from actlab import activations
from actlab.llm.stats import BIN_WIDTH, DIP, LayerStats, Recorder


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def fed(z: np.ndarray, activation: str = "silu", batches: int = 3, **kw) -> LayerStats:
    stats = LayerStats("0", activation, z.shape[1], **kw)
    for part in np.array_split(z, batches):
        stats.add(part)
    return stats


def test_shares_and_moments_match_the_whole_array(rng):
    z = rng.normal(-0.3, 1.5, (600, 40)).astype(np.float32)
    d = fed(z).to_dict()
    assert d["count"] == z.size
    assert d["share_negative"] == pytest.approx(np.mean(z < 0))
    assert d["share_in_dip"] == pytest.approx(np.mean((z > DIP[0]) & (z < DIP[1])))
    assert d["mean"] == pytest.approx(z.mean(dtype=np.float64), rel=1e-6)
    assert d["std"] == pytest.approx(z.std(dtype=np.float64), rel=1e-5)
    assert d["mean_derivative"] == pytest.approx(activations.get("silu").derivative(z).mean(dtype=np.float64),
                                                 rel=1e-5)


@pytest.mark.parametrize("q", [1, 5, 25, 50, 75, 95, 99])
def test_percentiles_are_within_one_bin(rng, q):
    z = rng.standard_t(3, (2000, 8)).astype(np.float32)
    assert fed(z).percentile(q) == pytest.approx(np.percentile(z, q), abs=BIN_WIDTH)


def test_inputs_beyond_the_histogram_clamp_to_the_observed_extremes():
    z = np.array([[-100.0, 0.0, 100.0, 200.0]], dtype=np.float32)
    stats = fed(z, batches=1)
    assert stats.percentile(0) == -100.0 and stats.percentile(100) == 200.0


def test_a_unit_whose_input_never_exceeds_zero_counts_as_never_active():
    z = np.array([[-1.0, 2.0, 0.0], [-3.0, -1.0, -0.5]], dtype=np.float32)
    assert fed(z, batches=2).never_active == 2


def test_sigmoid_saturation_is_output_outside_one_percent_of_either_end(rng):
    z = rng.normal(0, 4, (500, 16)).astype(np.float32)
    s = 1 / (1 + np.exp(-z.astype(np.float64)))
    d = fed(z, "sigmoid").to_dict()
    assert d["share_saturated"] == pytest.approx(np.mean((s < 0.01) | (s > 0.99)), abs=1e-4)
    assert d["share_in_dip"] is None  # the dip is SiLU's


def test_unbounded_activations_report_no_saturation(rng):
    assert fed(rng.normal(size=(10, 4))).to_dict()["share_saturated"] is None


def test_largest_gap_to_another_activation_is_found_with_its_input():
    z = np.array([[-2.7, 0.0, 1.0], [2.0, -0.5, 3.0]], dtype=np.float32)
    d = fed(z, "gelu", batches=2, compare_to="gelu_tanh").to_dict()
    gaps = np.abs(activations.get("gelu")(z.astype(np.float64)) - activations.get("gelu_tanh")(z.astype(np.float64)))
    assert d["max_gap"]["value"] == pytest.approx(gaps.max())
    assert d["max_gap"]["at"] == pytest.approx(-2.7, abs=1e-6)


def test_recorder_total_adds_the_layers(rng):
    rec = Recorder()
    a, b = rng.normal(size=(50, 8)), rng.normal(1, 1, size=(50, 8))
    rec("0", "silu", a)
    rec("1", "silu", b)
    total = rec.total()
    assert total["count"] == 800
    assert total["share_negative"] == pytest.approx(np.mean(np.concatenate([a, b]) < 0))
    assert total["units"] == 16


def test_histogram_shares_over_the_drawn_range_sum_to_the_share_inside_it(rng):
    z = rng.normal(0, 3, (400, 10)).astype(np.float32)
    h = fed(z).histogram(-6, 6, 0.25)
    assert len(h["edges"]) == len(h["share"]) + 1 == 49
    assert sum(h["share"]) == pytest.approx(np.mean((z >= -6) & (z < 6)), abs=1e-3)
