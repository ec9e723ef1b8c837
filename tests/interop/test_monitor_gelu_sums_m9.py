"""nn.GELU's one-pass sums on float32 (interop/_torch_stats_numba.gelu_sums): f' from the forward's own output
(Phi(z) = a / z) and a compiled exp, never written, against torch's gelu_backward on the same tensors: the per-unit
|f'| sums to 1e-5 relative, the count of nonzero f' exactly (from where torch's f' is 0 on this machine,
_torch_stats.gelu_zeros), on random batches, on every float32 around the zero set's ends, on edge values (zero,
subnormal, huge, inf, NaN), and the monitor falling back to torch's f' where the zero set is not of its form or the
tensor is not float32."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import loaded_kernels  # noqa: E402


def _torch_f(z: torch.Tensor) -> torch.Tensor:
    """torch's f' of z as its vectorised loop computes it: a tensor's last few elements, past the last whole vector,
    take torch's scalar loop, whose f' differs in the last place (at z = -0.7517914 it is 3e-8, not 0), so z is
    repeated to a multiple of 64 elements first."""
    flat = z.reshape(-1).repeat(64)
    return torch.ops.aten.gelu_backward(torch.ones_like(flat), flat, approximate="none")[:z.numel()].reshape(z.shape)


def _zeros():
    zeros = _torch_stats.gelu_zeros()
    assert zeros, "torch's gelu_backward zeros are not a tail and a few points on this machine"
    return zeros


def _sums(module, z: torch.Tensor):
    """gelu_sums on a (rows, H) float32 z and torch's own GELU of it: (per-unit |f'| sums, nonzero count, out)."""
    a = torch.nn.functional.gelu(z)
    tail, points = _zeros()
    w = z.shape[1]
    out = np.empty(2 * w + 3, np.float32)
    module.gelu_sums(z.numpy(), a.numpy(), tail, points, out)
    return out[:w], out[w], out, a


def _nextafter(x: float, toward: float) -> float:
    return float(np.nextafter(np.float32(x), np.float32(toward)))


def test_the_zero_set_is_where_torchs_f_is_zero():
    """The tail's end: torch's f' is 0 there and at the float32 below it, not at the one above; each point is a zero
    with nonzero neighbours."""
    tail, points = _zeros()
    assert -6.5 < tail < -5.5
    at = torch.tensor([_nextafter(tail, -math.inf), tail, _nextafter(tail, math.inf)], dtype=torch.float32)
    assert (_torch_f(at) == 0).tolist() == [True, True, False]
    found = [p for p in points.tolist() if not math.isnan(p)]
    assert found and all(-0.7519 < p < -0.7517 for p in found)
    for p in found:
        assert _torch_f(torch.tensor([p], dtype=torch.float32)).item() == 0
    for p in found:
        for q in (_nextafter(p, -math.inf), _nextafter(p, math.inf)):
            if q not in found:
                assert _torch_f(torch.tensor([q], dtype=torch.float32)).item() != 0


@pytest.mark.parametrize("scale", [0.3, 1.0, 3.0, 10.0])
def test_random_batches_equal_torchs_f(scale):
    module = loaded_kernels()
    torch.manual_seed(11)
    z = torch.randn(257, 40) * scale
    dsum, nz, out, a = _sums(module, z)
    d = _torch_f(z)
    np.testing.assert_allclose(dsum, d.abs().sum(0).numpy(), rtol=1e-5)
    assert nz == int((d != 0).sum())
    w = z.shape[1]
    np.testing.assert_allclose(out[w + 1:2 * w + 1], a.abs().sum(0).numpy(), rtol=1e-5)
    assert out[2 * w + 1] == pytest.approx(float(a.double().sum()), rel=1e-4, abs=1e-3)
    assert out[2 * w + 2] == pytest.approx(float((a.double() - a.double().mean()).square().sum()), rel=1e-5)


@pytest.mark.parametrize(("lo", "hi"), [(-6.5, -5.5), (-0.7519, -0.7517), (-0.76, -0.74)])
def test_every_float32_near_the_zero_sets_ends(lo, hi):
    """Every float32 in the range, 512 to a row: the nonzero count exactly torch's, the |f'| sums to 1e-5, or 4e-7 a
    value: near f's sign change f' is a difference of two terms near 0.23, and torch's differs from the true f' by up
    to 2e-7 there (its erf), this pass's by less (checked against float64)."""
    module = loaded_kernels()
    ends = torch.tensor([hi, lo], dtype=torch.float32).view(torch.int32).tolist()
    z = torch.arange(ends[0], ends[1] + 1, dtype=torch.int32).view(torch.float32)
    z = z[:z.numel() // 512 * 512].reshape(-1, 512).contiguous()
    dsum, nz, _, _ = _sums(module, z)
    d = _torch_f(z)
    assert nz == int((d != 0).sum())
    np.testing.assert_allclose(dsum, d.abs().sum(0).numpy(), rtol=1e-5, atol=4e-7 * z.shape[0])
    true = torch.ops.aten.gelu_backward(torch.ones_like(z, dtype=torch.float64), z.double()).abs().sum(0).numpy()
    assert np.abs(dsum - true).max() <= np.abs(d.abs().sum(0).numpy() - true).max() + 1e-7 * z.shape[0]


def test_edge_values_one_by_one():
    """Each value alone: its |f'| against torch's (NaN where torch's is NaN) and whether it counts as nonzero."""
    module = loaded_kernels()
    tail, points = _zeros()
    found = [p for p in points.tolist() if not math.isnan(p)]
    values = [0.0, -0.0, 1e-38, -1e-38, 1e-45, -1e-45, 1e-30, -1e-30, 1e-3, -1e-3, 0.5, -0.5, -0.75, 1.0, -1.0, 5.0,
              -5.5, -6.0, -8.0, -13.0, -14.0, -14.5, -20.0, -40.0, 100.0, 1e20, -1e20, 3e38, -3e38, math.inf,
              -math.inf, math.nan, tail, _nextafter(tail, 0.0), _nextafter(tail, -math.inf)]
    values += found + [_nextafter(p, t) for p in found for t in (-1.0, 0.0)]
    for x in values:
        z = torch.tensor([[x]], dtype=torch.float32)
        dsum, nz, _, _ = _sums(module, z)
        want = _torch_f(z).abs().item()
        if math.isnan(want):
            assert math.isnan(dsum[0]) and nz == 0, x
            continue
        assert dsum[0] == pytest.approx(want, rel=1e-5, abs=4e-7), x
        assert nz == (want != 0), x


class _Spy:
    def __init__(self, module):
        self.calls: dict[str, int] = {}
        self._module = module
        for name in ("derivative_sums", "output_sums", "layer_sums", "gelu_sums"):
            setattr(self, name, self._counted(name, getattr(module, name)))

    def __getattr__(self, name):  # a kernel that makes no activation sums (input_spread): the module's own, uncounted
        return getattr(self._module, name)

    def _counted(self, name, fn):
        def call(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            return fn(*args)
        return call


def _reports(model, batches, monkeypatch, spy=None, compiled=True):
    monkeypatch.setattr(_torch_stats, "ENABLED", compiled)
    if spy is not None:
        monkeypatch.setattr(_torch_stats, "_module", spy)
    mon = Monitor(model, every=1, window=3)
    out = []
    for x in batches:
        with mon.step():
            model(x).pow(2).mean().backward()
        model.zero_grad()
        out.append(mon.report())
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    return out


def _model(dtype=torch.float32):
    torch.manual_seed(7)
    model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 1))
    with torch.no_grad():
        model[0].bias[:4] = -7.0  # four units in torch's zero tail on most rows
        model[0].weight[:4] *= 0.1
    return model.to(dtype)


def _same(got, want):
    for g, w in zip(got.layers, want.layers, strict=True):
        for field in ("zero_derivative_fraction", "saturated", "dead", "dormant", "non_finite"):
            assert getattr(g, field) == getattr(w, field), (g.name, field)
        for field in ("mean", "std", "act_grad_norm"):
            assert getattr(g, field) == pytest.approx(getattr(w, field), rel=1e-5, abs=1e-6), (g.name, field)


def test_the_monitor_reads_gelu_in_one_pass_with_torchs_figures(monkeypatch):
    module = loaded_kernels()
    _zeros()
    torch.manual_seed(8)
    batches = [torch.randn(64, 8) * 3 for _ in range(3)]
    model = _model()
    spy = _Spy(module)
    got = _reports(copy.deepcopy(model), batches, monkeypatch, spy)
    want = _reports(model, batches, monkeypatch, compiled=False)
    assert spy.calls == {"gelu_sums": 2 * len(batches)}
    assert got[-1].layers[0].zero_derivative_fraction > 0  # the tail is seen: the count is not vacuous
    for g, w in zip(got, want, strict=True):
        _same(g, w)


@pytest.mark.parametrize("case", ["no zero set", "float64"])
def test_the_monitor_keeps_torchs_f_where_the_pass_cannot_stand_in(monkeypatch, case):
    """Where torch's zeros are not a tail and a few points (gelu_zeros() False), and on float64, f' is torch's
    gelu_backward (reduced with the output by layer_sums), with the same report."""
    module = loaded_kernels()
    dtype = torch.float64 if case == "float64" else torch.float32
    if case == "no zero set":
        monkeypatch.setattr(_torch_stats, "_gelu_zeros", False)
    torch.manual_seed(8)
    batches = [(torch.randn(64, 8) * 3).to(dtype) for _ in range(2)]
    model = _model(dtype)
    spy = _Spy(module)
    got = _reports(copy.deepcopy(model), batches, monkeypatch, spy)
    want = _reports(model, batches, monkeypatch, compiled=False)
    assert spy.calls == {"layer_sums": 2 * len(batches)}
    for g, w in zip(got, want, strict=True):
        _same(g, w)


def test_a_malformed_zero_set_is_refused(monkeypatch):
    """gelu_zeros() says False where torch's f' has a zero the form cannot hold (here: a torch whose f' is 0 at
    z in (-3.01, -2.99) too)."""
    real = _torch_stats._torch_gelu_derivative

    def odd(z):
        d = real(z)
        return torch.where((z > -3.01) & (z < -2.99), torch.zeros_like(d), d)

    monkeypatch.setattr(_torch_stats, "_torch_gelu_derivative", odd)
    assert _torch_stats._measure_gelu_zeros() is False


def test_the_zero_set_is_measured_outside_any_function_mode():
    """Measured in a sampled step's hook, the monitor's function watch may be active: none of the measurement's
    torch calls reaches a torch function mode."""
    from torch.overrides import TorchFunctionMode

    seen = []

    class Counting(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            seen.append(func)
            return func(*args, **(kwargs or {}))

    with Counting():
        zeros = _torch_stats._measure_gelu_zeros()
    assert zeros and seen == []
