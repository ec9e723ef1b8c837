"""The outputs' spread (_monitor_lossread.output_spread: how far apart the rows of a small output point, the measure
a collapse is read by) made by the compiled pass (_torch_stats_numba.output_spread) on a CPU float32 or float64
output, against NumPy in float64 on the same values (rows with a NaN, an inf or every output 0 left out), and against
the torch path that the pass replaces where the kernels are loaded. The pass was added because the torch path's
fifteen calls cost about 0.15 ms a sampled step on a 128 x 10 output, measured here (the pass about 0.015), on every
sampled step of a run that gives no s.loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import require_torch

torch = require_torch()

from actlab.interop import _monitor_lossread, _torch_stats  # noqa: E402
from actlab.interop._monitor_lossread import output_spread  # noqa: E402
from interop._steps import loaded_kernels as _kernels  # noqa: E402


def _reference(z: np.ndarray) -> tuple[float, int]:
    """(the spread, the rows kept) in float64 by NumPy: each finite row not all 0 made a unit vector, the population
    std of each output over those rows, their mean times sqrt(outputs)."""
    z = z.astype(np.float64)
    keep = np.isfinite(z).all(1) & (z != 0).any(1)
    if not keep.any():
        return math.nan, 0
    rows = z[keep]
    rows = rows / np.abs(rows).max(1, keepdims=True)
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return float(unit.std(0).mean() * math.sqrt(z.shape[1])), int(keep.sum())


def _both(z: torch.Tensor, monkeypatch) -> tuple[tuple[float, float], tuple[float, float]]:
    """output_spread's two figures with the kernels loaded, then by the torch path (the kernels taken away)."""
    _kernels()
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    monkeypatch.setattr(_torch_stats, "_module", _torch_stats.load())
    compiled = tuple(float(t) for t in output_spread(z))
    monkeypatch.setattr(_torch_stats, "ENABLED", False)
    plain = tuple(float(t) for t in output_spread(z))
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    return compiled, plain


ODD = [0.0, -0.0, 1.0, -2.5, 1e-30, 3e38, -3e38, math.inf, -math.inf, math.nan, 0.125, 7.0]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([np.float32, np.float64]),
       hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=40),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.sampled_from(ODD))))
def test_the_pass_reads_what_numpy_reads_in_float64(dtype, z):
    z = z.astype(dtype)
    _kernels()
    out = np.empty(2)
    _torch_stats.load().output_spread(np.ascontiguousarray(z), out)
    spread, kept = _reference(z)
    assert out[1] == kept
    if kept == 0:
        assert math.isnan(out[0])
    else:
        assert out[0] == pytest.approx(spread, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("shape", [(128, 10), (4, 3), (64, 8, 16)])
def test_the_monitor_reads_the_same_spread_with_the_pass_as_without(shape, monkeypatch):
    g = torch.Generator().manual_seed(0)
    z = torch.randn(*shape, generator=g)
    z.view(-1, shape[-1])[0] = 0.0  # a row of zeros, one with a NaN, one with an inf: each left out
    z.view(-1, shape[-1])[1, 0] = math.nan
    z.view(-1, shape[-1])[-1, -1] = -math.inf
    compiled, plain = _both(z, monkeypatch)
    spread, kept = _reference(z.reshape(-1, shape[-1]).numpy())
    assert compiled[1] == plain[1] == kept
    assert compiled[0] == pytest.approx(spread, rel=1e-12)
    assert plain[0] == pytest.approx(spread, rel=1e-5)  # (float32)


def test_outputs_collapsed_onto_one_direction_read_near_zero_on_both_paths(monkeypatch):
    """A collapse (every row the same direction, scaled, with float32 noise of 1e-6) reads far below 1 either way,
    the float64 pass nearer the reference than float32 allows."""
    g = torch.Generator().manual_seed(1)
    direction = torch.randn(16, generator=g)
    z = torch.rand(128, 1, generator=g) * 5 * direction + 1e-6 * torch.randn(128, 16, generator=g)
    compiled, plain = _both(z, monkeypatch)
    spread, _ = _reference(z.numpy())
    assert spread < 1e-5
    assert compiled[0] == pytest.approx(spread, rel=1e-6) and plain[0] < 1e-4


def test_a_strided_or_half_output_takes_the_torch_path(monkeypatch):
    """The pass reads contiguous float32 and float64 only: a transposed view or a float16 output is read by torch."""
    calls = []
    _kernels()
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    monkeypatch.setattr(_torch_stats, "_module", _torch_stats.load())
    real = _torch_stats.readable
    monkeypatch.setattr(_monitor_lossread._torch_stats, "readable", lambda t: calls.append(real(t)) or real(t))
    z = torch.randn(10, 128)
    for t in (z.T, z.T.half(), z.T.contiguous()):
        read = output_spread(t)
        spread, kept = _reference(t.float().numpy())
        assert float(read[1]) == kept and float(read[0]) == pytest.approx(spread, rel=2e-3)
    assert calls == [False, False, True]
