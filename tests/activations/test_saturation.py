"""Where each activation saturates is the record's to say (saturates_at), and the instruments read it from there."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import activations
from actlab.activations import REGISTRY
from actlab.instruments import SATURATION_FRACTION, saturated_mask

FAR = 1e4  # far enough that every exponential or polynomial tail is flat to 1e-8
PARAMETRISED = [("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}), ("hardtanh", {"min_val": -2.0, "max_val": 3.0}),
                ("hardtanh", {"min_val": 0.0, "max_val": 1.0}), ("leaky_relu", {"negative_slope": 0.0}),
                ("softplus", {"beta": 3.0})]
CASES = [(n, {}) for n in REGISTRY if not REGISTRY[n].is_gated] + PARAMETRISED


def _flat_tail_levels(act) -> list[float]:
    """The values f settles to towards -inf and +inf, where its derivative vanishes (softsign's tail is slow: a
    value within 1e-3 of a finite end of the output range counts as that end)."""
    x = np.array([-FAR, FAR])
    value, deriv = act(x), act.derivative(x)
    ends = [e for e in act.output_range if math.isfinite(e)]
    levels = []
    for v, d in zip(value.tolist(), deriv.tolist(), strict=True):
        if math.isfinite(v) and abs(d) < 1e-6:
            levels.append(next((e for e in ends if abs(v - e) < 1e-3), v))
    return levels


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_saturates_at_lists_exactly_the_flat_levels_a_learner_calls_saturation(name, params):
    """Both ends bounded: every flat tail saturates; one end bounded: every flat tail but a rectifier's 0 ("off")."""
    act = activations.get(name, **params)
    lo, hi = act.output_range
    bounded_both = math.isfinite(lo) and math.isfinite(hi)
    want = sorted({round(v, 6) for v in _flat_tail_levels(act) if bounded_both or v != 0.0})
    assert sorted(round(v, 6) for v in act.saturates_at) == want


@pytest.mark.parametrize("name", [n for n in REGISTRY if REGISTRY[n].saturates_at])
def test_each_saturation_level_is_an_end_of_the_output_range(name):
    act = REGISTRY[name]
    for level in act.saturates_at:
        assert level in act.output_range


def _mask(act, value: float, n: int = 64) -> tuple[bool, bool]:
    """(saturated by the instrument, saturated by the derivative alone) for a unit whose outputs are all value."""
    a = np.full((n, 1), value)
    z = np.full((n, 1), _inverse(act, value))
    d = np.abs(act.derivative(z))
    limit = SATURATION_FRACTION * act.deriv_max
    return bool(saturated_mask(act, d, a)[0]), bool(d.mean() < limit)


def _inverse(act, value: float) -> float:
    lo, hi = -50.0, 50.0  # bisection: every case below is monotonic
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if float(act(mid)) < value else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize(("name", "params", "value"), [
    ("sigmoid", {}, 0.996), ("sigmoid", {}, 0.004), ("hardsigmoid", {}, 0.997), ("tanh", {}, 0.995),
    ("softsign", {}, -0.995), ("hardtanh", {"min_val": -2.0, "max_val": 2.0}, 1.985), ("relu6", {}, 5.98),
    ("elu", {}, -0.995),
])
def test_a_unit_pinned_near_a_saturation_level_is_saturated(name, params, value):
    act = activations.get(name, **params)
    assert _mask(act, value)[0]


def test_sigmoid_near_one_is_saturated_although_its_mean_derivative_is_above_the_one_percent_line():
    """Before the record said where sigmoid saturates, only tanh, hardtanh and softsign had the output test."""
    by_instrument, by_derivative = _mask(REGISTRY["sigmoid"], 0.996)
    assert by_instrument and not by_derivative


@pytest.mark.parametrize(("name", "params", "value"), [
    ("sigmoid", {}, 0.98), ("tanh", {}, 0.97), ("hardtanh", {"min_val": -2.0, "max_val": 2.0}, 1.95),
    ("elu", {}, -0.9), ("relu6", {}, 3.0),
])
def test_a_unit_away_from_its_levels_is_not_saturated(name, params, value):
    act = activations.get(name, **params)
    assert _mask(act, value) == (False, False)


def test_a_rectifier_at_zero_is_not_saturated_by_its_outputs():
    """ReLU at 0 is dead (the dead-unit instrument), not saturated: the record lists no level."""
    relu = REGISTRY["relu"]
    assert relu.saturates_at == () and not relu.saturated_outputs(np.zeros((8, 3)), SATURATION_FRACTION).any()


def test_the_tanh_output_test_is_the_one_the_instruments_used_before():
    """mean |h| > 0.99 was tanh's rule: the record's rule gives the same verdict on either side of it."""
    tanh = REGISTRY["tanh"]
    h = np.array([[0.991, -0.989], [0.9905, -0.9895]])
    np.testing.assert_array_equal(tanh.saturated_outputs(h, SATURATION_FRACTION), np.abs(h).mean(axis=0) > 0.99)


def test_hardtanh_says_its_own_parameter_rule():
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(2.0\) must be below max_val \(1.0\)"):
        activations.get("hardtanh", min_val=2.0)
    assert activations.get("hardtanh", min_val=-3.0, max_val=-1.0).saturates_at == (-3.0, -1.0)


def test_describe_carries_the_saturation_levels():
    assert activations.get("elu", alpha=0.5).describe()["saturates_at"] == [-0.5]
    assert activations.get("relu").describe()["saturates_at"] == []
