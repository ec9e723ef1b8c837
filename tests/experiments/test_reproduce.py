"""Results from the papers: the record, the registry, and each claim's quick run asserting its robust findings.

The quick runs are the claims' tests: each is run once per module (module-scoped fixtures) and every robust
finding is checked with the margin it was measured to have.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from actlab import experiments
from actlab.errors import ConfigError
from actlab.experiments import poole2016, reproduce
from actlab.experiments.digits import load_digits
from actlab.experiments.lu2019 import dead_by_depth
from actlab.experiments.reproduction import (
    NOT_REPRODUCED,
    PARTLY,
    REPRODUCED,
    SHOWN,
    Reproduction,
    asserted,
    shown,
    verdict_of,
)

from .conftest import require_reproduce

# --- the record ----------------------------------------------------------------------------------

# one row a set of finding verdicts and the claim's verdict
VERDICTS = [
    ((REPRODUCED, REPRODUCED), REPRODUCED),
    ((REPRODUCED, SHOWN), REPRODUCED),
    ((REPRODUCED, NOT_REPRODUCED), PARTLY),
    ((NOT_REPRODUCED, SHOWN), NOT_REPRODUCED),
    ((NOT_REPRODUCED,), NOT_REPRODUCED),
    ((SHOWN,), NOT_REPRODUCED),  # nothing asserted is nothing reproduced
]


@pytest.mark.parametrize(("findings", "expected"), VERDICTS)
def test_claim_verdict_follows_its_asserted_findings(findings, expected):
    rows = [asserted("a", "", "", [1.0], "", v == REPRODUCED) if v != SHOWN else shown("s", "", "", 1.0)
            for v in findings]
    assert verdict_of(rows) == expected


def test_finding_shows_mean_and_spread_over_seeds():
    f = asserted("k", "what", "0.5", [0.49, 0.51], "close", True)
    assert f.n == 2
    assert f.measured == pytest.approx(0.5)
    assert f.spread == pytest.approx(np.std([0.49, 0.51], ddof=1))
    assert f.measured_text == "0.500 ± 0.014"


def test_one_seed_shows_no_spread():
    assert asserted("k", "", "", 0.25, "", True).measured_text == "0.250"


def test_record_survives_json_round_trip():
    findings = [asserted("k", "w", "1", [1.0, 2.0], "c", False), asserted("j", "w", "", 1, "c", True),
                shown("s", "", "", 3)]
    rec = Reproduction("x", "paper", "claim", findings, quick=True, seeds=2, run_matrix="m")
    back = Reproduction.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back == rec
    assert back.to_dict()["verdict"] == PARTLY


def test_unknown_claim_lists_valid_names():
    with pytest.raises(ConfigError) as err:
        reproduce("he2016")
    assert err.value.field == "name"
    for name in ("he2015", "lu2019", "poole2016"):
        assert name in err.value.message


def test_seeds_out_of_range_is_refused():
    with pytest.raises(ConfigError, match="seeds"):
        reproduce("lu2019", quick=True, seeds=0)


# --- data ----------------------------------------------------------------------------------------------


def test_digits_split_is_stratified_500_1000_297():
    require_reproduce()
    d = load_digits()
    assert (len(d.y_train), len(d.y_valid), len(d.y_test)) == (1000, 297, 500)
    assert np.all(np.abs(np.bincount(d.y_test) - 50) <= 2)  # each class about a tenth (the classes are 174-183)
    assert d.x_train.min() >= 0 and d.x_train.max() <= 1


def test_standardised_digits_have_zero_mean_unit_std_on_train():
    require_reproduce()
    x = load_digits("standard").x_train
    std = x.std(axis=0)
    np.testing.assert_allclose(x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(std[std > 0], 1, rtol=1e-12)


# --- mean field: the quadrature against closed forms ------------------------------------------------


@pytest.mark.parametrize("sigma_w2", [1.5, 2.0, 2.5])
def test_relu_chi_1_is_half_sigma_w2(sigma_w2):
    assert poole2016.chi_1("relu", sigma_w2) == pytest.approx(sigma_w2 / 2, rel=1e-12)


def test_tanh_below_one_has_fixed_point_zero_and_chi_sigma_w2():
    assert poole2016.q_star("tanh", 0.5) < 1e-100
    assert poole2016.chi_1("tanh", 0.5) == pytest.approx(0.5, rel=1e-12)


def test_quadrature_matches_a_dense_integral():
    z = np.linspace(-12, 12, 200_001)
    density = np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    q = 0.7
    dense = np.trapezoid((1 - np.tanh(math.sqrt(q) * z) ** 2) ** 2 * density, z)
    assert poole2016.chi("tanh", 1.0, q) == pytest.approx(dense, rel=1e-9)


def test_critical_tanh_shrinks_at_finite_depth():
    assert poole2016.chi_1("tanh", 1.0) == pytest.approx(1.0, abs=1e-3)
    assert poole2016.finite_depth_rate("tanh", 1.0) < 0.95


# --- dying ReLU: the counter ------------------------------------------------------------------------


def test_dead_counts_never_fall_with_depth(rng):
    counts = dead_by_depth(3, 2000, "symmetric", rng, depth=20)
    assert np.all(np.diff(counts) >= 0)


def test_one_unit_wide_zero_bias_net_dies_in_first_layer_half_the_time(rng):
    counts = dead_by_depth(1, 20_000, "zero", rng, depth=1)
    assert counts[0] / 20_000 == pytest.approx(0.5, abs=0.015)  # 4 standard errors


# --- the quick runs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lu():
    return reproduce("lu2019", quick=True)


@pytest.fixture(scope="module")
def poole():
    return reproduce("poole2016", quick=True)


@pytest.fixture(scope="module")
def he():
    require_reproduce()
    return reproduce("he2015", quick=True)


def test_lu2019_formula_matches_every_cell(lu):
    f = lu.finding("cells_within")
    assert f.verdict == REPRODUCED and f.measured == 56
    assert lu.finding("max_z").measured < 3.5  # measured 2.5 at 10,000 nets


def test_lu2019_born_dead_shape(lu):
    assert lu.finding("born_rises").measured > 0.5  # measured 0.73: the smallest rise from L = 1 to 50
    assert lu.finding("born_falls").measured > 0.01  # measured 0.03
    assert lu.finding("born_below").measured < 2.0
    assert lu.verdict == REPRODUCED


def test_poole2016_chi_1_within_three_percent(poole):
    for key in ("tanh_0.5", "tanh_2", "relu_1.5", "relu_2", "relu_2.5"):
        f = poole.finding(key)
        assert f.verdict == REPRODUCED, (key, f.measured, f.note)  # measured errors 0.6-1.9% on one seed
    assert poole.verdict == REPRODUCED


def test_poole2016_critical_tanh_is_shown_below_one(poole):
    f = poole.finding("tanh_1_critical")
    assert f.verdict == SHOWN
    assert 0.9 < f.measured < 0.96  # measured 0.930; the finite-depth prediction is 0.940


def test_he2015_moments_halve_under_xavier_and_hold_under_he(he):
    assert he.finding("moment_xavier_1000").measured == pytest.approx(0.5, rel=0.02)
    assert he.finding("moment_he_1000").measured == pytest.approx(1.0, rel=0.02)
    assert he.finding("moment_he_128").measured == pytest.approx(1.0, rel=0.05)  # measured 0.991


def test_he2015_xavier_stalls_at_ln10_and_he_trains(he):
    assert he.finding("xavier_stuck").verdict == REPRODUCED
    assert abs(he.finding("xavier_stuck").measured - math.log(10)) < 0.02
    assert he.finding("he_epoch10").measured < 1.0  # measured 0.53
    assert he.verdict == REPRODUCED


def test_quick_records_are_json_ready(lu):
    data = json.loads(json.dumps(lu.to_dict(), allow_nan=False))
    assert data["verdict"] == REPRODUCED and data["quick"] is True


def test_experiments_exports_reproduce():
    assert experiments.reproduce is reproduce
