"""The engine's matrix products (_gemm.py): MKL's against NumPy's matmul, training on each, and the fallback.

Tolerance: each library's float product is within k * eps * (|a| @ |b|) of the exact one (k the inner dimension, the
standard bound for a dot product summed in any order), so the two differ by at most twice that. Without the mkl
package (pip install 'actlab[mkl]') the MKL tests skip, except in CI (ACTLAB_REQUIRE_MKL=1), where they fail.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

import numpy as np
import pytest

from actlab import _gemm
from actlab.network import MLP, NetworkConfig
from actlab.optim import OptimConfig
from actlab.training import Trainer

DTYPES = [np.float64, np.float32]


def require_mkl():
    """Skip without MKL; in CI (ACTLAB_REQUIRE_MKL=1) a missing or unloadable MKL is a failure."""
    if os.environ.get("ACTLAB_REQUIRE_MKL") == "1":
        with _gemm.using("mkl"):
            assert _gemm.library() == "mkl", _gemm.status()
        return
    if not _gemm.installed():
        pytest.skip("MKL's products need the mkl package and numba: pip install 'actlab[mkl]'")


@pytest.fixture
def mkl():
    require_mkl()
    with _gemm.using("mkl"):
        yield


def assert_close_to_numpy(got, a, b, label=""):
    """got against np.matmul(a, b): the same shape and dtype, within 2 k eps (|a| @ |b|) element by element."""
    want = np.matmul(a, b)
    assert got.shape == want.shape and got.dtype == want.dtype, label
    k = np.shape(a)[-1]
    eps = np.finfo(want.dtype).eps
    bound = 2 * max(k, 1) * eps * np.matmul(np.abs(a), np.abs(b))
    assert np.all(np.abs(got - want) <= bound), (label, float(np.max(np.abs(got - want) - bound)))


def _operands(rng, dtype):
    """(name, a, b): the engine's three forms, then views BLAS cannot take as they are, then edge shapes."""
    a, w, dz = (rng.normal(size=s).astype(dtype) for s in ((64, 24), (24, 40), (64, 40)))
    return [
        ("a @ w", a, w),
        ("a.T @ dz", a.T, dz),
        ("dz @ w.T", dz, w.T),
        ("every other row", a[::2], w),
        ("every other column and row", a[:, ::2], w[::2]),
        ("reversed rows", a[::-1], w),
        ("Fortran-ordered both", np.asfortranarray(a), np.asfortranarray(w)),
        ("one row", a[:1], w),
        ("one column times one row", a[:, :1], w[:1]),
        ("a matrix times a column", a, w[:, 3:4]),
        ("a transposed column", a[:, 5:6].T, dz),
        ("an empty batch", a[:0], w),
        ("an empty inner dimension", a[:, :0], w[:0]),
    ]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_mkl_products_match_numpy_within_the_bound(mkl, rng, dtype):
    for name, a, b in _operands(rng, dtype):
        got = _gemm.matmul(a, b)
        assert_close_to_numpy(got, a, b, name)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_mkl_products_into_out_buffers(mkl, rng, dtype):
    """The engine's out= arrays: a pooled array, a view of the flat gradient vector, and outs it cannot write
    directly (Fortran order, every other row), which get the product all the same."""
    for name, a, b in _operands(rng, dtype):
        m, n = a.shape[0], b.shape[1]
        flat = np.full(m * n + 7, np.nan, dtype)
        outs = {"C order": np.full((m, n), np.nan, dtype), "a view of a flat vector": flat[7:].reshape(m, n),
                "Fortran order": np.full((n, m), np.nan, dtype).T,
                "every other row": np.full((2 * m, n), np.nan, dtype)[::2]}
        for kind, out in outs.items():
            got = _gemm.matmul(a, b, out)
            assert got is out, (name, kind)
            assert_close_to_numpy(out, a, b, f"{name}, out in {kind}")
        assert np.isnan(flat[:7]).all()  # nothing written before the view


def test_mkl_takes_what_numpy_takes_and_refuses_what_it_refuses(mkl, rng):
    a, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3))
    assert_close_to_numpy(_gemm.matmul(a[2], b), a[2], b)  # 1-D operands: a row, a column, a dot product
    assert_close_to_numpy(_gemm.matmul(a, b[:, 1]), a, b[:, 1])
    assert_close_to_numpy(_gemm.matmul(a[2], b[:, 1]), a[2], b[:, 1])
    mixed = _gemm.matmul(a.astype(np.float32), b)  # promoted as NumPy promotes
    assert_close_to_numpy(mixed, a.astype(np.float32), b)
    ints = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(_gemm.matmul(ints, ints.T), ints @ ints.T)  # no BLAS routine: NumPy's, exactly
    out32 = np.empty((6, 3), np.float32)
    assert _gemm.matmul(a, b, out32) is out32  # a same-kind cast into out, as np.matmul does
    np.testing.assert_allclose(out32, a @ b, rtol=1e-6)
    with pytest.raises(ValueError):
        _gemm.matmul(a, b.T)  # mismatched inner dimensions
    with pytest.raises(ValueError):
        _gemm.matmul(a, b, np.empty((3, 6)))  # an out of the wrong shape
    with pytest.raises(ValueError, match="read-only"):
        out = np.empty((6, 3))
        out.flags.writeable = False
        _gemm.matmul(a, b, out)


def test_an_out_overlapping_an_operand_gets_the_product_of_the_operands_before_the_call(mkl, rng):
    a = rng.normal(size=(8, 8))
    want = a @ a.T
    assert _gemm.matmul(a, a.T, a) is a  # BLAS would read what it has overwritten; np.matmul buffers, so does this
    np.testing.assert_allclose(a, want, rtol=1e-13, atol=1e-13)


def _trainer(dtype: str, hidden, batch: int) -> Trainer:
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, size=(512, 2))
    labels = (np.hypot(x[:, 0], x[:, 1]) < 0.6).astype(np.int64)
    cfg = NetworkConfig(2, hidden, ("tanh",), "tanh_mse", init="xavier_uniform", dtype=dtype)
    return Trainer(cfg, OptimConfig("sgd", 0.03), x, labels, batch_size=batch, seed=1, sample_every=10**9)


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-11), ("float32", 2e-4)])
@pytest.mark.parametrize("hidden,batch", [((4, 2), 10), ((96, 96, 96), 256)], ids=["2-4-2-1", "3 x 96 pooled"])
def test_training_on_mkl_follows_training_on_numpy(mkl, dtype, rtol, hidden, batch):
    """Five SGD steps from the same weights on the same batches: the parameters agree within rtol (float64: round-off
    of two summation orders, grown over the steps; float32 the same in its own precision)."""
    params = {}
    for library in ("numpy", "mkl"):
        with _gemm.using(library):
            trainer = _trainer(dtype, hidden, batch)
            for _ in range(5):
                trainer.step()
            assert _gemm.library() == library
            params[library] = trainer.net.flat_parameters().copy()
    assert params["mkl"].dtype == np.dtype(dtype)
    np.testing.assert_allclose(params["mkl"], params["numpy"], rtol=rtol, atol=rtol)
    assert not np.array_equal(params["mkl"], _trainer(dtype, hidden, batch).net.flat_parameters())  # it trained


def test_every_product_of_a_training_step_goes_to_the_chosen_library(mkl, rng, monkeypatch):
    """Forward a @ w, backward a.T @ dz and dz @ w.T: all by MKL, pooled (wide) and not (narrow)."""
    calls = []
    for dtype, kernel in list(_gemm._kernels.items()):
        monkeypatch.setitem(_gemm._kernels, dtype, lambda a, b, out, kernel=kernel: calls.append(a.shape) or
                            kernel(a, b, out))
    for hidden, batch in (((4, 2), 10), ((96, 96), 256)):
        net = MLP.create(NetworkConfig(2, hidden, ("tanh",), "regression"), rng)
        x, y = rng.normal(size=(batch, 2)), rng.normal(size=(batch, 1))
        calls.clear()
        _, trace = net.forward(x)
        net.backward(trace, y)
        layers = len(hidden) + 1
        assert len(calls) == 3 * layers - 1  # no da below the first layer


def test_the_library_is_chosen_once_and_kept(rng, monkeypatch):
    chosen = []
    monkeypatch.setattr(_gemm, "_chosen", lambda real=_gemm._chosen: chosen.append(1) or real())
    with _gemm.using("auto"):
        for _ in range(3):
            _gemm.matmul(rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))
        assert len(chosen) == 1
        first = _gemm._product
        _gemm.matmul(rng.normal(size=(300, 3)), rng.normal(size=(3, 300)))  # a large product: the same library
        assert _gemm._product is first
    with pytest.raises(ValueError, match="'auto', 'mkl', 'numpy'"):
        _gemm.use("openblas")


def test_without_the_mkl_package_numpy_computes_the_products_and_says_why(rng, monkeypatch):
    real = importlib.metadata.distribution

    def distribution(name):
        if name == "mkl":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
    monkeypatch.setattr(_gemm, "_kernels", {})  # as in a process where MKL was never loaded
    monkeypatch.setattr(_gemm, "_failure", None)
    with _gemm.using("auto"):
        assert _gemm.library() == "numpy"
        assert _gemm.status() == ("matrix products: NumPy's matmul; the mkl package is not installed "
                                  "(pip install 'actlab[mkl]', for x86-64 Linux)")
        a, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3))
        np.testing.assert_array_equal(_gemm.matmul(a, b), a @ b)  # NumPy's own result, bit for bit
    with _gemm.using("mkl"), pytest.raises(RuntimeError, match="the mkl package is not installed"):
        _gemm.matmul(a, b)


def test_importing_the_engine_loads_neither_mkl_nor_numba():
    code = ("import sys, actlab, actlab.network\n"
            "print('numba' in sys.modules, any('libmkl' in line for line in open('/proc/self/maps')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["False", "False"]
