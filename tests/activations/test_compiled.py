"""The optional compiled kernels (numba) and the NumPy fallback: each held to the ULP bounds against mpmath.

test_accuracy.py checks whichever path is the default (compiled where numba is installed); here every
entry with a compiled kernel is checked on both paths, forced, and the compiled exponential, the switch and
the import cost are tested. Without numba the compiled-path tests skip, except in CI
(ACTLAB_REQUIRE_COMPILED=1), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest

import reference_mp as R
from actlab import activations
from actlab.activations import _compiled
from actlab.activations import functions as F

from .test_accuracy import BOUNDS, PINNED

COMPILED_NAMES = ["sigmoid", "tanh", "silu", "quick_gelu", "gelu", "gelu_tanh"]


def require_numba():
    """Skip without numba; in CI (ACTLAB_REQUIRE_COMPILED=1) a missing or broken numba is a failure."""
    if os.environ.get("ACTLAB_REQUIRE_COMPILED") == "1":
        with _compiled.using("compiled"):
            assert _compiled.active(), _compiled.status()
        return
    if not _compiled.installed():
        pytest.skip("the compiled kernels need numba: pip install 'actlab[fast]'")


@pytest.fixture(params=["numpy", "compiled"])
def kernels(request):
    if request.param == "compiled":
        require_numba()
    with _compiled.using(request.param):
        yield request.param


def _bound(name, dtype, which):
    return PINNED.get((name, np.dtype(dtype).name, which), BOUNDS[which])


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", COMPILED_NAMES)
def test_each_path_is_within_the_ulp_bounds_of_mpmath(kernels, name, dtype):
    """Value, derivative and the fused pair on the test grid (±0, subnormals, ±88.7, ±709.8, ±1e4 included)."""
    act = activations.get(name)
    xs = R.grid(dtype)
    value, deriv = act.value_and_derivative(xs)
    for which, got in (("value", act(xs)), ("deriv", act.derivative(xs)), ("value", value), ("deriv", deriv)):
        assert got.dtype == dtype
        errors = R.ulp_errors(name, which, xs, got, R.reference(name, which, xs))
        worst = int(np.nanargmax(errors))
        assert errors[worst] <= _bound(name, dtype, which), \
            f"{kernels}: {name} {which} at x={xs[worst]!r}: {errors[worst]:.3g} ULP"


@pytest.mark.parametrize("name", COMPILED_NAMES)
def test_each_path_is_within_bounds_on_random_float64_points(kernels, name, rng):
    """Off the grid, where most inputs of a network lie, and across GELU's subnormal onset (-38.8 to -37.2, where
    phi(x) is subnormal while gelu'(x) is not: 22 ULP at -37.70 before it was handled); against mpmath point by
    point. test_tails.py covers the rest of the float range."""
    x = np.concatenate([rng.normal(0, 3, 300), rng.uniform(-40, 40, 100), rng.uniform(-38.8, -37.2, 50)])
    act = activations.get(name)
    value, deriv = act.value_and_derivative(x)
    for which, got in (("value", value), ("deriv", deriv)):
        errors = R.ulp_errors(name, which, x, got, R.reference(name, which, x))
        assert np.nanmax(errors) <= _bound(name, np.float64, which), (kernels, name, which, float(np.nanmax(errors)))


@pytest.mark.parametrize("name", COMPILED_NAMES)
def test_the_compiled_and_numpy_paths_agree_to_a_few_ulp_in_float32(name, rng):
    """The dense float32 check of test_accuracy, compiled against the NumPy float64 path rounded."""
    require_numba()
    act = activations.get(name)
    x = np.concatenate([rng.uniform(-110, 110, 50_000), rng.uniform(-105, -40, 50_000),
                        rng.normal(0, 3, 50_000)]).astype(np.float32)
    with _compiled.using("compiled"):
        value, deriv = act.value_and_derivative(x)
    with _compiled.using("numpy"):
        ref_value, ref_deriv = act.value_and_derivative(x.astype(np.float64))
    tiny = np.finfo(np.float32).tiny
    for which, got, ref in (("value", value, ref_value), ("deriv", deriv, ref_deriv)):
        scale = np.maximum(np.abs(ref), 1.0) if which == "deriv" else np.abs(ref)  # the derivative's roots
        ulps = np.abs(got.astype(np.float64) - ref) / np.spacing(scale.astype(np.float32)).astype(np.float64)
        ulps = np.where(np.abs(ref) >= tiny, ulps, 0.0)
        worst = int(np.argmax(ulps))
        assert ulps[worst] <= BOUNDS[which], f"{name} {which} at x={x[worst]!r}: {ulps[worst]:.3g} ULP"


@pytest.mark.parametrize("name", COMPILED_NAMES)
def test_special_values_are_the_same_on_both_paths(name):
    """±inf, NaN, ±0, the overflow edges and the far tails: bit for bit where the result is exact (inf, 0,
    NaN, 1), and within the bounds elsewhere."""
    require_numba()
    act = activations.get(name)
    for dtype in (np.float64, np.float32):
        x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 709.78, -709.78, 745.2, -745.2, 88.7, -88.7, -20.5,
                      -25.0, 1e4, -1e4, 1e30, -1e30, -104.0, -90.0], dtype=dtype)
        with _compiled.using("compiled"):
            got = act.value_and_derivative(x)
        with _compiled.using("numpy"):
            want = act.value_and_derivative(x)
        for g, w in zip(got, want, strict=True):
            assert g.dtype == dtype
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
            exact = np.isinf(w) | (w == 0) | (np.abs(w) == 1)
            np.testing.assert_array_equal(g[exact], w[exact])
            np.testing.assert_array_equal(np.signbit(g[exact]), np.signbit(w[exact]))
            np.testing.assert_allclose(g[~exact], w[~exact], rtol=8 * np.finfo(dtype).eps, atol=0)


def test_gelu_tanh_far_left_tail_is_redone_and_accurate():
    """Below x = -19.9 (2u < -600) the compiled float64 kernel hands the elements back to the NumPy formula,
    which keeps x sigma(2u) accurate where sigma(2u) is nearly subnormal."""
    require_numba()
    x = np.array([-19.0, -20.5, -21.0, -22.5, 3.0, -1.0])
    with _compiled.using("compiled"):
        value, deriv = activations.get("gelu_tanh").value_and_derivative(x)
    for which, got in (("value", value), ("deriv", deriv)):
        errors = R.ulp_errors("gelu_tanh", which, x, got, R.reference("gelu_tanh", which, x))
        assert np.nanmax(errors) <= BOUNDS[which], (which, errors)
    assert value[1] < 0 and value[1] != 0.0  # a normal number, not flushed


def test_shapes_strides_read_only_and_float16_inputs(rng):
    """The compiled path flattens and reshapes: 0-d, 2-d, strided and read-only arrays give what NumPy gives."""
    require_numba()
    base = rng.normal(0, 3, (6, 8))
    cases = [base, base[:, ::2], base.T, np.float64(0.7) * np.ones(()), base.astype(np.float16)]
    frozen = base.copy()
    frozen.flags.writeable = False
    cases.append(frozen)
    for name in COMPILED_NAMES:
        act = activations.get(name)
        for x in cases:
            with _compiled.using("compiled"):
                got = act.value_and_derivative(x)
                got_value = act(x)
            with _compiled.using("numpy"):
                want = act.value_and_derivative(x)
            for g, w in zip((*got, got_value), (*want, want[0]), strict=True):
                assert g.shape == x.shape and g.dtype == w.dtype, (name, x.shape, x.dtype)
                # atol: near a derivative's root the two paths agree to a few ULP of 1, not of the value
                np.testing.assert_allclose(g, w, rtol=1e-2 if x.dtype == np.float16 else 1e-14,
                                           atol=1e-2 if x.dtype == np.float16 else 1e-15)


def _exp_ulps(x: np.ndarray, got: np.ndarray) -> np.ndarray:
    with mp.workdps(40):
        out = []
        for xi, gi in zip(x, got, strict=True):
            exact = mp.exp(mp.mpf(float(xi)))
            nearest = float(exact)
            unit = np.spacing(nearest) if nearest != 0 else 5e-324
            out.append(float(abs(mp.mpf(float(gi)) - exact) / mp.mpf(float(unit))))
    return np.array(out)


def test_compiled_exp_is_within_0_52_ulp_of_mpmath(rng):
    """The kernels' exponential (Tang's table method), over its whole range and into the subnormals (1 ULP)."""
    require_numba()
    from actlab.activations import _numba_kernels as K

    x = np.concatenate([rng.uniform(-2, 2, 600), rng.uniform(-745, 709.7, 1200), rng.uniform(-745.1, -708, 300)])
    got = np.empty_like(x)
    K.exp_array(x, got)
    ulps = _exp_ulps(x, got)
    # a subnormal result is rounded twice (to 53 bits, then by the scaling): up to 1 ULP there
    bound = np.where(np.abs(got) < np.finfo(np.float64).tiny, 1.0, 0.52)
    worst = int(np.argmax(ulps - bound))
    assert ulps[worst] <= bound[worst], f"exp({x[worst]!r}): {ulps[worst]:.3g} ULP"
    special = np.array([np.inf, -np.inf, np.nan, 709.79, 710.0, 1e300, -745.2, -746.0, -1e300, 0.0, -0.0])
    out = np.empty_like(special)
    K.exp_array(special, out)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(out, np.exp(special))


def test_compiled_exp_table_is_two_to_the_j_over_64():
    """hi + lo = 2**(j/64) to about 2**-106 relative, from mpmath."""
    require_numba()
    from actlab.activations import _numba_kernels as K

    with mp.workdps(50):
        for j in range(64):
            exact = mp.power(2, mp.mpf(j) / 64)
            assert K._EXP2_HI[j] == float(exact), j
            assert abs(mp.mpf(K._EXP2_HI[j]) + mp.mpf(K._EXP2_LO[j]) - exact) <= exact * mp.mpf(2) ** -104, j


def test_the_switch_refuses_unknown_choices_and_using_restores():
    with _compiled.using("numpy"):
        assert _compiled.kernels() is None and not _compiled.active()
        assert "NumPy" in _compiled.status()
        with pytest.raises(ValueError, match=r"kernel choice must be one of auto, compiled, numpy or None; got 'on'"):
            _compiled.use("on")
        assert _compiled.kernels() is None  # the refused choice changed nothing
    assert _compiled._forced is None


def test_compiled_required_but_unavailable_says_why(monkeypatch):
    """use('compiled') without a working numba is an error naming the cause; auto falls back quietly."""
    monkeypatch.setattr(_compiled, "_module", None)
    monkeypatch.setattr(_compiled, "_failure", "numba is not installed (pip install 'actlab[fast]')")
    with _compiled.using("compiled"):
        with pytest.raises(RuntimeError, match=r"compiled kernels were asked for .* numba is not installed"):
            F.silu(np.ones(3))
    with _compiled.using("auto"):
        np.testing.assert_allclose(F.silu(np.ones(3)), 1 / (1 + np.exp(-1.0)), rtol=1e-15)
        assert "numba is not installed" in _compiled.status()


def _run(code: str, kernels: str = "auto") -> str:
    """Run ``code`` in a fresh interpreter after use(kernels); its printed line."""
    code = f"from actlab.activations import _compiled\n_compiled.use({kernels!r})\n" + code
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=120).stdout.strip()


def test_import_actlab_does_not_import_numba():
    """numba (about a second to import) loads on the first kernel call, never with actlab itself; with the NumPy
    path forced it never loads."""
    assert _run("import sys, actlab, actlab.activations; print('numba' in sys.modules)") == "False"
    code = ("import sys, numpy as np; from actlab import activations; activations.get('gelu')(np.ones(3)); "
            "print('numba' in sys.modules)")
    assert _run(code, "numpy") == "False"


def test_preload_loads_in_the_background_and_numpy_answers_meanwhile():
    """A fresh process: preload() returns while the loading still runs (it returned within 0.2 s in a quiet
    process, but that bound failed in CI at load 11), calls made meanwhile use the NumPy formulas (same ULP bounds),
    and once it is done the compiled kernels answer."""
    require_numba()
    code = (
        "import sys, time, numpy as np\n"
        "from actlab.activations import _compiled, functions as F\n"
        "_compiled.preload(); returned_first = _compiled._preloading.is_alive()\n"
        "during = _compiled.kernels() is None\n"
        "F.silu(np.ones(3))\n"
        "_compiled._preloading.join(120)\n"
        "print(returned_first, during, _compiled.kernels() is not None, 'numba' in sys.modules)\n"
    )
    assert _run(code, "auto") == "True True True True"
    # 'compiled' waits for the preload instead of answering with NumPy
    code = ("from actlab.activations import _compiled\n"
            "_compiled.preload(); print(_compiled.kernels() is not None)\n")
    assert _run(code, "compiled") == "True"
    assert _run("from actlab.activations import _compiled\n_compiled.preload(); print(_compiled._preloading)",
                "numpy") == "None"
