"""Each end of every output and derivative range, open or closed, decided in mpmath and never by float outputs.

A closed end needs a finite x where the function equals it: a point written in closed form (ReLU(-1) = 0,
sigma'(0) = 1/4) or a critical point found with mpmath's root finder (GELU's minimum). An open end needs
the function to stay strictly inside it along a sequence that approaches it, at a precision where the gap
is representable (sigmoid(40) is exactly 1.0 in float64; at 100 digits it is 1 - 4.2e-18). The references
are tests/reference_mp.py's textbook formulas, plus the parameter variants written out below.
"""

from __future__ import annotations

import math

import mpmath as mp
import pytest

from actlab import activations
from actlab.activations import REGISTRY
from reference_mp import REFERENCES

INF = math.inf
TAIL = (1, 5, 10, 40, 100, 700)  # toward +-infinity; 40 is past where float64 sigmoid rounds to 1
SLOW_TAIL = (1, 10, 1e3, 1e6, 1e12)  # for an end approached like 1/x
NEAR = tuple(mp.mpf(10) ** -k for k in (1, 3, 8, 20, 40))  # toward a finite point


def _at(x):
    """A closed end reached at x (a closed-form point)."""
    return ("at", x)


def _crit(lo: float, hi: float):
    """A closed end reached where f' = 0, searched for in [lo, hi] with mpmath."""
    return ("crit", lo, hi)


def _toward(exact, xs):
    """An open end: the exact bound, and points along which f approaches it without reaching it."""
    return ("toward", exact, xs)


NEG_TAIL = tuple(-t for t in TAIL)
BOTH_TAILS = TAIL + NEG_TAIL


def _selu_lambda_alpha():
    """PyTorch's constants, read at the working precision (a gap of e^-700 needs every digit)."""
    return mp.mpf("1.0507009873554804934193349852946"), mp.mpf("1.6732632423543772848170429916717")


def _selu(x):
    lam, alpha = _selu_lambda_alpha()
    return lam * (x if x > 0 else alpha * mp.expm1(x))


def _selu_d(x):
    lam, alpha = _selu_lambda_alpha()
    return lam * (1 if x > 0 else alpha * mp.exp(x))


def _minus_selu_floor():
    lam, alpha = _selu_lambda_alpha()
    return -lam * alpha


def _selu_sup():
    return -_minus_selu_floor()


def _silu(beta):
    return lambda x: x / (1 + mp.exp(-beta * x))


def _silu_d(beta):
    def d(x):
        s = 1 / (1 + mp.exp(-beta * x))
        return s + beta * x * s * (1 - s)
    return d


def _elu(alpha):
    return lambda x: x if x > 0 else alpha * mp.expm1(x)


def _elu_d(alpha):
    return lambda x: mp.mpf(1) if x > 0 else alpha * mp.exp(x)


def _softplus_t(threshold):  # PyTorch's shortcut
    return lambda x: x if x > threshold else mp.log1p(mp.exp(x))


def _softplus_t_d(threshold):
    return lambda x: mp.mpf(1) if x > threshold else 1 / (1 + mp.exp(-x))


# (name, params) -> (value fn, derivative fn, output (low, high) ends, derivative (low, high) ends); an infinite
# end is None. Every plain registry entry has a row with its default parameters.
CASES = {
    ("sigmoid", ()): ((_toward(0, NEG_TAIL), _toward(1, TAIL)), (_toward(0, BOTH_TAILS), _at(0))),
    ("tanh", ()): ((_toward(-1, NEG_TAIL), _toward(1, TAIL)), (_toward(0, BOTH_TAILS), _at(0))),
    ("relu", ()): ((_at(-1), None), (_at(-1), _at(1))),
    ("leaky_relu", ()): ((None, None), (_at(-1), _at(1))),
    ("gelu", ()): ((_crit(-2, 0), None), (_crit(-3, -1), _crit(1, 3))),
    ("silu", ()): ((_crit(-3, 0), None), (_crit(-4, -1), _crit(1, 4))),
    ("gelu_tanh", ()): ((_crit(-2, 0), None), (_crit(-3, -1), _crit(1, 3))),
    ("quick_gelu", ()): ((_crit(-2, 0), None), (_crit(-3, -0.5), _crit(0.5, 3))),
    ("elu", ()): ((_toward(-1, NEG_TAIL), None), (_toward(0, NEG_TAIL), _at(1))),
    ("selu", ()): ((_toward(_minus_selu_floor, NEG_TAIL), None),
                   (_toward(0, NEG_TAIL), _toward(_selu_sup, tuple(-d for d in NEAR)))),
    ("celu", ()): ((_toward(-1, NEG_TAIL), None), (_toward(0, NEG_TAIL), _at(1))),
    ("softplus", ()): ((_toward(0, NEG_TAIL), None), (_toward(0, NEG_TAIL), _toward(1, TAIL))),
    ("mish", ()): ((_crit(-3, 0), None), (_crit(-4, -1), _crit(0.5, 3))),
    ("softsign", ()): ((_toward(-1, tuple(-t for t in SLOW_TAIL)), _toward(1, SLOW_TAIL)),
                       (_toward(0, SLOW_TAIL + tuple(-t for t in SLOW_TAIL)), _at(0))),
    ("hardsigmoid", ()): ((_at(-4), _at(4)), (_at(-4), _at(0))),
    ("hardswish", ()): ((_at(mp.mpf(-3) / 2), None),
                        (_toward(mp.mpf(-1) / 2, tuple(-3 + d for d in NEAR)),
                         _toward(mp.mpf(3) / 2, tuple(3 - d for d in NEAR)))),
    ("hardtanh", ()): ((_at(-2), _at(2)), (_at(2), _at(0))),
    ("relu6", ()): ((_at(-1), _at(7)), (_at(-1), _at(1))),
    ("relu_squared", ()): ((_at(-1), None), (_at(-1), None)),
    ("identity", ()): ((None, None), (_at(0), _at(0))),
    # parameter variants: the ends move, and some change type
    ("leaky_relu", (("negative_slope", 0.0),)): ((_at(-1), None), (_at(-1), _at(1))),
    ("leaky_relu", (("negative_slope", 0.2),)): ((None, None), (_at(-1), _at(1))),
    ("silu", (("beta", 3.0),)): ((_crit(-1, 0), None), (_crit(-2, -0.1), _crit(0.1, 2))),
    ("elu", (("alpha", 2.0),)): ((_toward(-2, NEG_TAIL), None),
                                 (_toward(0, NEG_TAIL), _toward(2, tuple(-d for d in NEAR)))),
    ("elu", (("alpha", 0.5),)): ((_toward(-0.5, NEG_TAIL), None), (_toward(0, NEG_TAIL), _at(1))),
    ("celu", (("alpha", 2.0),)): ((_toward(-2, NEG_TAIL), None), (_toward(0, NEG_TAIL), _at(1))),
    ("softplus", (("threshold", 20.0),)): ((_toward(0, NEG_TAIL), None), (_toward(0, NEG_TAIL), _at(21))),
    ("hardtanh", (("min_val", -2.0), ("max_val", 0.5))): ((_at(-3), _at(1)), (_at(1), _at(0))),
}

PARAM_REFERENCES = {
    ("selu", ()): (_selu, _selu_d),
    ("leaky_relu", (("negative_slope", 0.0),)): (lambda x: max(x, 0), lambda x: mp.mpf(1 if x > 0 else 0)),
    ("leaky_relu", (("negative_slope", 0.2),)): (lambda x: x if x > 0 else x / 5,
                                                  lambda x: mp.mpf(1) if x > 0 else mp.mpf(1) / 5),
    ("silu", (("beta", 3.0),)): (_silu(3), _silu_d(3)),
    ("elu", (("alpha", 2.0),)): (_elu(2), _elu_d(2)),
    ("elu", (("alpha", 0.5),)): (_elu(mp.mpf(1) / 2), _elu_d(mp.mpf(1) / 2)),
    ("celu", (("alpha", 2.0),)): (lambda x: x if x > 0 else 2 * mp.expm1(x / 2),
                                  lambda x: mp.mpf(1) if x > 0 else mp.exp(x / 2)),
    ("softplus", (("threshold", 20.0),)): (_softplus_t(20), _softplus_t_d(20)),
    ("hardtanh", (("min_val", -2.0), ("max_val", 0.5))): (lambda x: min(max(x, -2), mp.mpf(1) / 2),
                                                          lambda x: mp.mpf(1 if -2 < x < mp.mpf(1) / 2 else 0)),
}


def _references(name, params):
    return PARAM_REFERENCES.get((name, params)) or REFERENCES[name]


ENDS = [(name, params, which, side) for (name, params) in CASES for which in ("value", "deriv")
        for side in (0, 1)]


def _ids(case):
    name, params, which, side = case
    return f"{name}{dict(params) or ''}-{which}-{'low' if side == 0 else 'high'}"


def _critical_point(f, lo, hi, side):
    """The x in [lo, hi] where f is lowest (side 0) or highest (side 1): a coarse scan, then f'(x) = 0 by
    mpmath's root finder at 50 digits."""
    sign = 1 if side == 0 else -1
    grid = [mp.mpf(lo) + (mp.mpf(hi) - lo) * k / 400 for k in range(401)]
    start = min(grid, key=lambda x: sign * f(x))
    return mp.findroot(lambda x: mp.diff(f, x), start)


@pytest.mark.parametrize("case", ENDS, ids=_ids)
def test_each_end_is_open_or_closed_as_the_registry_says(case):
    name, params, which, side = case
    act = activations.get(name, **dict(params))
    f = _references(name, params)[0 if which == "value" else 1]
    bounds = act.output_range if which == "value" else act.deriv_range
    closed = (act.output_closed if which == "value" else act.deriv_closed)[side]
    spec = CASES[(name, params)][0 if which == "value" else 1][side]
    bound = bounds[side]
    if spec is None:
        assert bound == (-INF if side == 0 else INF) and not closed
        return
    kind = spec[0]
    if kind in ("at", "crit"):
        x = mp.mpf(spec[1]) if kind == "at" else _critical_point(f, spec[1], spec[2], side)
        if kind == "crit":
            assert abs(mp.diff(f, x)) < mp.mpf(10) ** -30  # a true critical point
        reached = f(x)
        # the registry writes transcendental ends to 11 or more significant digits
        assert float(reached) == pytest.approx(bound, rel=1e-10, abs=1e-15), f"{name} reaches {reached} at x = {x}"
        assert closed, f"{name}'s {which} reaches {bound} at x = {mp.nstr(x, 8)}: that end is closed"
        return
    exact_at = spec[1] if callable(spec[1]) else lambda: mp.mpf(spec[1])
    xs = spec[2]
    assert float(exact_at()) == pytest.approx(bound, rel=1e-15, abs=0)
    assert not closed, f"{name}'s {which} only approaches {bound}: that end is open"
    gaps = []
    for x in xs:
        with mp.workdps(60 + math.ceil(min(abs(float(x)), 1000))):  # enough digits for a gap like e^-700
            value, exact = f(mp.mpf(x)), exact_at()
            gap = value - exact if side == 0 else exact - value
            assert gap > 0, f"{name}'s {which} reaches {bound} at x = {x}"
            gaps.append(gap)
    assert gaps[-1] < gaps[0] * mp.mpf(10) ** -3  # and it does approach the end


@pytest.mark.parametrize("name", [n for n in REGISTRY if not REGISTRY[n].is_gated])
def test_every_plain_entry_has_its_ends_checked(name):
    assert (name, ()) in CASES


@pytest.mark.parametrize("name", [n for n in REGISTRY if REGISTRY[n].is_gated])
def test_gated_units_are_unbounded_both_ways(name):
    act = activations.get(name)
    assert act.output_interval == "(-∞, ∞)" and act.deriv_interval == "(-∞, ∞)"


@pytest.mark.parametrize(("name", "output", "deriv"), [
    ("relu", "[0, ∞)", "[0, 1]"), ("sigmoid", "(0, 1)", "(0, 0.25]"), ("hardsigmoid", "[0, 1]", "[0, 0.166667]"),
    ("gelu", "[-0.169971, ∞)", "[-0.128904, 1.1289]"), ("hardswish", "[-0.375, ∞)", "(-0.5, 1.5)"),
    ("selu", "(-1.7581, ∞)", "(0, 1.7581)"), ("identity", "(-∞, ∞)", "[1, 1]"),
])
def test_intervals_are_written_with_their_brackets(name, output, deriv):
    act = activations.get(name)
    assert (act.output_interval, act.deriv_interval) == (output, deriv)
    assert act.describe()["output_interval"] == output and act.describe()["output_closed"] == list(act.output_closed)


@pytest.mark.parametrize(("name", "params", "points"), [
    ("relu", {}, (0.0,)), ("selu", {}, (0.0,)), ("hardswish", {}, (-3.0, 3.0)), ("hardtanh", {}, (-1.0, 1.0)),
    ("relu6", {}, (0.0, 6.0)), ("elu", {"alpha": 2.0}, (0.0,)), ("softplus", {"threshold": 20.0}, (20.0,)),
])
def test_kinks_are_where_the_one_sided_slopes_differ(name, params, points):
    """At each listed point the reference's one-sided slopes (mpmath, h = 1e-20) disagree, or f itself jumps."""
    f = _references(name, tuple(params.items()))[0]
    act = activations.get(name, **params)
    assert act.kinks == points
    h = mp.mpf(10) ** -20
    for k in points:
        k = mp.mpf(k)
        left, right = (f(k) - f(k - h)) / h, (f(k + h) - f(k)) / h
        assert abs(left - right) > mp.mpf(10) ** -8 or abs(f(k + h) - f(k - h)) > mp.mpf(10) ** -12


def test_softplus_with_the_threshold_jumps_and_says_so():
    """PyTorch's shortcut returns x where x > threshold: f jumps by log1p(e^-t) there, so it is not even C0."""
    act = activations.get("softplus", threshold=20.0)
    f = _softplus_t(20)
    jump = f(mp.mpf(20) + mp.mpf(10) ** -30) - f(mp.mpf(20))
    assert jump < -mp.mpf(10) ** -9  # log1p(e^20) = 20 + 2.06e-9: just past 20 the value falls by that
    assert act.smoothness == "discontinuous" and not act.has_kink


def test_selu_has_no_subgradient_at_its_kink():
    """A subgradient g needs f(x) >= f(0) + g x near 0: on the left g >= lambda alpha, on the right g <= lambda,
    and lambda < lambda alpha, so no g exists."""
    act = activations.get("selu")
    lam, alpha = _selu_lambda_alpha()
    assert lam < lam * alpha
    assert act.subgradient_at_zero is None
    assert "no subgradient" in act.deriv_at_zero_text


@pytest.mark.parametrize(("alpha", "subgradients"), [(0.5, (0.5, 1.0)), (1.0, None), (2.0, None)])
def test_elu_subgradients_follow_alpha(alpha, subgradients):
    assert activations.get("elu", alpha=alpha).subgradient_at_zero == subgradients


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0])
def test_silu_words_follow_beta(beta):
    """The weakness quotes the minimum, which is silu's minimum / beta: at beta = 3 it is -0.0928, not -0.278."""
    act = activations.get("silu", beta=beta)
    x = _critical_point(_silu(beta), -4, 0, 0)
    assert f"minimum {float(_silu(beta)(x)):.3g}" in act.weakness


def test_softplus_words_follow_the_threshold():
    """The step at the threshold, log1p(e^-t) / beta, from mpmath; the exact form's words do not claim sigmoid
    everywhere once the shortcut is on."""
    act = activations.get("softplus", threshold=20.0, beta=2.0)
    step = mp.log1p(mp.exp(-20)) / 2
    assert f"({float(step):.3g})" in act.weakness and "x = 10" in act.weakness
    assert "everywhere" not in act.strength
