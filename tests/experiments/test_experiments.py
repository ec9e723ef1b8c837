"""Each demonstration's numbers against closed forms or an independent computation."""

from __future__ import annotations

import json

import mpmath as mp
import numpy as np
import pytest

from actlab import activations
from actlab.experiments import (
    analytic_bound,
    census,
    check_collapse,
    count_pieces,
    dead_probability,
    derivative_maxima,
    gelu_approx,
    lesson_numbers,
    linear_collapse,
    measure_flow,
    monte_carlo,
    sweep,
    trained_dead_units,
)
from actlab.experiments.census import parse_config

# --- 1. linear collapse --------------------------------------------------------------------

def test_depth_ten_linear_net_equals_its_composed_map_to_round_off():
    check = check_collapse(depth=10)
    assert check.max_rel_diff <= 1e-12 and check.composed_shape == (2, 1)


def test_linear_net_fails_where_tanh_separates():
    result = linear_collapse(epochs=150)
    acc = {(f.dataset, f.activation): f.test_accuracy for f in result.fits}
    assert acc[("circle", "tanh")] >= 0.95 and acc[("xor", "tanh")] >= 0.95
    assert acc[("circle", "identity")] <= 0.75 and acc[("xor", "identity")] <= 0.8
    assert json.dumps(result.to_dict())  # the web lab can send it as it is


def test_piece_count_matches_the_kinks_of_a_single_relu_layer():
    """One hidden layer: unit i kinks at x = -b_i / w_i, so pieces = 1 + kinks inside the interval."""
    res = count_pieces(widths=(6,), seed=3, extent=4.0)
    rng = np.random.default_rng(3)
    from actlab.network import MLP, NetworkConfig

    net = MLP.create(NetworkConfig(1, (6,), ("relu",), "regression", init="he_normal"), rng)
    b = rng.normal(0, 1, 6)  # the same draws count_pieces makes after creating the net
    kinks = -b / net.weights[0][0]
    assert res.n_pieces == 1 + int(np.sum(np.abs(kinks) < 4.0))


def test_the_outline_draws_the_relu_output_except_inside_the_kinks_grid_steps():
    res = count_pieces(widths=(8, 8), seed=0)
    ox, oy = res.outline()
    assert len(ox) <= 2 * len(res.kinks) + 2 and set(res.kinks) <= set(ox)
    between = np.interp(res.x, ox, oy)  # the polyline the page draws, read on the whole grid
    step = res.x[1] - res.x[0]
    near_kink = np.min(np.abs(res.x[:, None] - res.kinks[None, :]), axis=1) < step
    np.testing.assert_allclose(between[~near_kink], res.y[~near_kink], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.interp(ox, res.x, res.y), oy)  # its points lie on the output


# --- 2. vanishing gradients ----------------------------------------------------------------

def test_lessons_numbers_come_out_of_the_code():
    n = lesson_numbers()
    assert n.sigmoid_max_derivative == 0.25
    assert n.sigmoid_10_layers == pytest.approx(9.5367431640625e-07, rel=1e-15)
    assert n.exercise2_sigmoid == pytest.approx(1.048576e-14, rel=1e-12)
    assert n.exercise2_relu == pytest.approx(9.5367431640625e-07, rel=1e-15)
    assert n.exercise2_ratio == pytest.approx(2.5**20, rel=1e-12)  # about 9.1e7


def test_maxima_table_has_sigmoid_and_tanh():
    table = {m.name: m for m in derivative_maxima()}
    assert table["sigmoid"].deriv_max == 0.25 and table["sigmoid"].at == "x = 0"
    assert table["tanh"].deriv_max == 1.0


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "gelu", "silu"])
def test_bound_is_the_product_of_maxima(name):
    m = activations.get(name).deriv_max
    bound = analytic_bound(name, range(1, 51))
    np.testing.assert_allclose(bound, np.cumprod(np.full(50, m)), rtol=1e-13)


def test_sigmoid_gradient_ratio_falls_with_depth_and_stays_under_the_bound():
    s = sweep(names=["sigmoid"], max_depth=20, width=32, seeds=3)
    ratio, bound = s.measured["sigmoid"], s.bound["sigmoid"]
    assert np.all(ratio[1:] < ratio[:-1] * 0.5)  # every added sigmoid layer at least halves it
    # Xavier weights pass the signal on with gain near 1, so the measurement tracks 0.25^n: within 4x
    assert np.all((ratio / bound > 0.25) & (ratio / bound < 4))
    assert ratio[-1] < 1e-11


def test_relu_with_he_init_keeps_the_gradient_alive():
    flow = measure_flow("relu", depth=20, width=64, init="he_normal", seeds=3)
    assert 0.1 < flow.ratio_to_last[0] < 10 and flow.reading.status == "flowing"


def test_full_sweep_covers_every_activation_and_depth():
    s = sweep(max_depth=50, width=64, seeds=1, n=16)
    assert set(s.measured) == set(activations.names())
    assert all(len(v) == 50 for v in s.measured.values())


# --- 3. dying ReLU -------------------------------------------------------------------------

@pytest.mark.parametrize(("width", "depth", "value"), [(2, 10, 0.944), (4, 10, 0.476), (10, 100, 0.093)])
def test_dead_probability_matches_the_lessons_values(width, depth, value):
    assert dead_probability(width, depth) == pytest.approx(value, abs=5e-4)


@pytest.mark.parametrize(("width", "depth"), [(2, 10), (4, 10), (3, 5)])
def test_monte_carlo_agrees_with_the_formula_within_its_interval(width, depth):
    row = monte_carlo(width, depth, trials=20_000, seed=11)
    # a 95% interval misses 1 time in 20 by design; seed 11 is one draw, and the test pins it
    assert row.ci_low <= row.formula <= row.ci_high
    assert row.ci_high - row.ci_low < 0.02


def test_high_learning_rate_kills_relu_units_but_not_leaky_ones():
    rows = {(r.activation, r.params.get("negative_slope")): r for r in trained_dead_units()}
    assert rows[("relu", None)].dead_fraction > 0  # about a third with Adam at 0.04 (test_dying_demo_contrast.py)
    assert all(r.dead_fraction == 0 for (name, _), r in rows.items() if name == "leaky_relu")


# --- 4. GELU's approximations --------------------------------------------------------------

def test_gelu_max_difference_matches_mpmath():
    res = gelu_approx(timing=False)
    exact = lambda x: x * mp.ncdf(x)  # noqa: E731
    approx = lambda x: x / 2 * (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mp.mpf("0.044715") * x**3)))  # noqa: E731
    x_star = mp.findroot(lambda x: mp.diff(lambda t: approx(t) - exact(t), x), 2.7)
    assert res.max_error_tanh == pytest.approx(float(abs(approx(x_star) - exact(x_star))), rel=1e-9)
    assert res.max_error_tanh_at == pytest.approx(float(x_star), abs=1e-6)
    assert res.max_error_quick > 10 * res.max_error_tanh  # quick GELU is the cruder one
    quick = lambda x: x / (1 + mp.exp(-mp.mpf("1.702") * x))  # noqa: E731
    q_star = mp.findroot(lambda x: mp.diff(lambda t: quick(t) - exact(t), x), abs(res.max_error_quick_at))
    assert res.max_error_quick == pytest.approx(float(abs(quick(q_star) - exact(q_star))), rel=1e-9)
    assert abs(res.max_error_quick_at) == pytest.approx(float(q_star), abs=1e-6)
    # both differences are even in x (f(x) - f(-x) = x for all three), so the page writes the place as ±x
    for f in (approx, quick):
        assert float(f(q_star) - exact(q_star)) == pytest.approx(float(f(-q_star) - exact(-q_star)), abs=1e-15)


# --- 5. the census -------------------------------------------------------------------------

def test_census_resolves_every_family_to_a_registry_function():
    rows = {r.family: r for r in census()}
    assert rows["BERT"].activation == "gelu"
    assert rows["GPT-2"].activation == "gelu_tanh" and rows["GPT-2"].config_value == "gelu_new"
    assert rows["T5"].activation == "relu"
    assert rows["Llama"].activation == "silu" and rows["Llama"].block == "SwiGLU"
    assert rows["Gemma"].activation == "gelu_tanh" and rows["Gemma"].block == "GeGLU with the tanh GELU"
    assert all(r.source for r in rows.values())


def test_t5_gated_gelu_follows_transformers_rule():
    assert parse_config({"feed_forward_proj": "gated-gelu"}) == ("feed_forward_proj", "gated-gelu", "gelu_tanh", True)


def test_config_without_an_activation_key_is_an_error():
    with pytest.raises(ValueError, match="no activation key"):
        parse_config({"hidden_size": 8})
