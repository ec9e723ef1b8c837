"""The registry's API, its aliases and errors, and its typed-in properties against the functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from actlab import activations
from actlab.activations import ALIASES, REGISTRY

PLAIN = [n for n in REGISTRY if not REGISTRY[n].is_gated]
LESSON_SIX = ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "silu"]
GRID = np.linspace(-40, 40, 800_001)  # step 1e-4
FAR = np.array([-1e12, 1e12])  # for the limits at +-inf of slowly saturating functions


def test_names_start_with_the_lessons_six_in_order():
    assert activations.names()[:6] == LESSON_SIX


def test_registry_holds_every_entry_the_issue_lists():
    wanted = {"gelu_tanh", "quick_gelu", "elu", "selu", "celu", "softplus", "mish", "softsign", "hardsigmoid",
              "hardswish", "hardtanh", "relu6", "relu_squared", "identity", "glu", "reglu", "geglu", "swiglu",
              "bilinear"}
    assert wanted | set(LESSON_SIX) <= set(REGISTRY)


@pytest.mark.parametrize(("alias", "key"), [("swish", "silu"), ("gelu_new", "gelu_tanh"),
                                            ("gelu_pytorch_tanh", "gelu_tanh"), ("linear", "identity"),
                                            ("relu2", "relu_squared"), ("LeakyReLU", "leaky_relu"),
                                            ("SiLU", "silu"), ("Hardswish", "hardswish")])
def test_aliases_resolve_to_the_canonical_record(alias, key):
    assert activations.get(alias).name == key


def test_every_alias_points_at_a_registry_key():
    assert set(ALIASES.values()) <= set(REGISTRY)
    assert not set(ALIASES) & set(REGISTRY)


def test_unknown_key_lists_valid_names():
    with pytest.raises(ValueError, match="unknown activation 'sigmoidd'") as info:
        activations.get("sigmoidd")
    for name in REGISTRY:
        assert name in str(info.value)


def test_unknown_parameter_names_the_allowed_ones():
    with pytest.raises(ValueError, match="leaky_relu has no parameter alpha; its parameters: negative_slope"):
        activations.get("leaky_relu", alpha=0.1)


@pytest.mark.parametrize("bad", [-0.1, 1.5, math.nan, math.inf, "0.1", None, True])
def test_out_of_range_or_non_numeric_parameter_is_rejected(bad):
    with pytest.raises(ValueError, match="negative_slope"):
        activations.get("leaky_relu", negative_slope=bad)


def test_hardtanh_needs_min_below_max():
    with pytest.raises(ValueError, match="min_val"):
        activations.get("hardtanh", min_val=2.0, max_val=1.0)


def test_bound_parameters_change_values_and_are_reported():
    act = activations.get("leaky_relu", negative_slope=0.2)
    assert act.params == {"negative_slope": 0.2}
    assert float(act(-10.0)) == -2.0
    assert float(act.derivative(-10.0)) == 0.2
    assert activations.get("leaky_relu").params == {"negative_slope": 0.01}  # the default is untouched


def test_lesson_defaults():
    assert activations.get("leaky_relu").params["negative_slope"] == 0.01
    assert activations.get("silu").params["beta"] == 1.0
    assert activations.get("softplus").params["threshold"] is None


def test_relu_derivative_at_zero_is_the_frameworks_zero_and_registry_records_the_subgradient():
    relu = activations.get("relu")
    assert float(relu.derivative(0.0)) == 0.0
    assert relu.deriv_at_zero == 0.0
    assert relu.subgradient_at_zero == (0.0, 1.0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", list(REGISTRY))
def test_shape_and_float_dtype_are_preserved(name, dtype, rng):
    x = rng.normal(size=(3, 4)).astype(dtype)
    act = activations.get(name)
    out, d = act(x), act.derivative(x)
    assert out.dtype == dtype and d.dtype == dtype
    assert d.shape == x.shape
    assert out.shape == ((3, 2) if act.is_gated else (3, 4))


@pytest.mark.parametrize("x", [3, [1, 2], (0, -1), np.arange(4), True])
def test_integers_and_python_scalars_become_float64(x):
    act = activations.get("tanh")
    assert np.asarray(act(x)).dtype == np.float64
    assert np.asarray(act.derivative(x)).dtype == np.float64


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, np.array([1j]), np.array([object()]), [[1, 2], [3]], b"1"])
def test_non_real_input_raises_a_type_error_that_says_what_is_accepted(bad):
    with pytest.raises(TypeError, match="real"):
        activations.get("relu")(bad)


def test_gated_input_needs_an_even_last_axis():
    with pytest.raises(ValueError, match="even, non-zero size"):
        activations.get("swiglu")(np.ones((2, 3)))


@pytest.mark.parametrize("name", PLAIN)
def test_nan_in_gives_nan_out(name):
    act = activations.get(name)
    assert np.isnan(act(np.nan)) and np.isnan(act.derivative(np.nan))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", PLAIN)
def test_no_warning_and_finite_limits_at_the_extremes(name, dtype):
    big = np.finfo(dtype).max
    x = np.array([-np.inf, -big, -1e4, -1000, -800, 800, 1000, 1e4, big, np.inf], dtype=dtype)
    act = activations.get(name)
    out, d = act(x), act.derivative(x)  # pytest turns any RuntimeWarning into an error
    assert not np.isnan(out).any() and not np.isnan(d).any()


@pytest.mark.parametrize(("name", "x", "want"), [("sigmoid", -1000.0, 0.0), ("softplus", 1e4, 1e4),
                                                 ("silu", -800.0, 0.0), ("gelu", -np.inf, 0.0),
                                                 ("mish", np.inf, np.inf), ("tanh", -np.inf, -1.0)])
def test_the_issues_extreme_examples(name, x, want):
    assert float(activations.get(name)(x)) == want


# --- properties typed into the registry, checked against the functions themselves -------------


@pytest.mark.parametrize("name", PLAIN)
def test_output_range_contains_every_value_and_is_tight(name):
    act = activations.get(name)
    y = act(np.concatenate([GRID, FAR]))
    lo, hi = act.output_range
    assert y.min() >= lo - 1e-12 and y.max() <= hi + 1e-12
    for bound, reached in ((lo, y.min()), (hi, y.max())):
        if np.isfinite(bound):
            assert reached == pytest.approx(bound, abs=1e-9)
        else:
            assert abs(reached) > 1e6


@pytest.mark.parametrize("name", PLAIN)
def test_derivative_maximum_and_where_it_is_reached(name):
    act = activations.get(name)
    d = act.derivative(np.concatenate([GRID, FAR]))
    if math.isinf(act.deriv_max):
        assert d.max() > 50
        return
    assert d.max() == pytest.approx(act.deriv_max, rel=1e-9, abs=1e-4)  # abs: a supremum not attained
    assert d.min() == pytest.approx(act.deriv_range[0], rel=1e-8, abs=1e-4)
    if act.deriv_argmax is not None:
        assert GRID[np.argmax(d)] == pytest.approx(act.deriv_argmax, abs=2e-4)


@pytest.mark.parametrize("name", PLAIN)
def test_declared_monotonic_iff_derivative_never_negative(name):
    act = activations.get(name)
    assert act.monotonic == bool(act.derivative(GRID).min() >= 0)


@pytest.mark.parametrize("name", [n for n in PLAIN if REGISTRY[n].output_min_at is not None])
def test_minimum_location_of_non_monotonic_functions(name):
    act = activations.get(name)
    assert GRID[np.argmin(act(GRID))] == pytest.approx(act.output_min_at, abs=2e-4)


@pytest.mark.parametrize("name", PLAIN)
def test_zero_centred_means_odd(name):
    act = activations.get(name)
    x = np.linspace(0, 20, 2001)
    assert act.zero_centred == bool(np.allclose(act(-x), -act(x), rtol=0, atol=1e-15))


def _jump(f, points, h):
    return max(abs(float(f(k + h)) - float(f(k - h))) for k in points)


@pytest.mark.parametrize("name", PLAIN)
def test_smoothness_class_matches_the_derivatives(name):
    """C0: f' jumps somewhere; C1: f' continuous but f'' jumps; C-inf: neither (kinks sit at integers)."""
    act = activations.get(name)
    ints = range(-10, 11)
    deriv_jump = _jump(act.derivative, ints, 1e-9)
    second = lambda x: (float(act.derivative(x + 1e-6)) - float(act.derivative(x - 1e-6))) / 2e-6  # noqa: E731
    second_jump = _jump(second, ints, 1e-3)
    expected = "C0" if deriv_jump > 1e-3 else ("C1" if second_jump > 1e-2 else "C-inf")
    assert act.smoothness == expected


@pytest.mark.parametrize("beta", [0.5, 2.0, 10.0])
def test_silu_properties_follow_beta(beta):
    act = activations.get("silu", beta=beta)
    grid = np.linspace(-20, 20, 400_001)
    assert act(grid).min() == pytest.approx(act.output_range[0], rel=1e-7)  # grid step 1e-4
    assert grid[np.argmax(act.derivative(grid))] == pytest.approx(act.deriv_argmax, abs=2e-4)


def test_describe_is_json_ready():
    import json

    for name in REGISTRY:
        text = json.dumps(activations.get(name).describe())
        assert name in text
