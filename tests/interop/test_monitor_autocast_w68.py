"""A sampled step under torch.autocast never raises and reads the same figures as without it (issue 17, W68
walkthrough finding 1: under torch.autocast("cpu", dtype=torch.bfloat16) the input figures' torch path (taken while
the compiled kernels load, for a non-contiguous batch, on a GPU) raised 'dot : expected both vectors to have same
dtype, but found BFloat16 and Float' from the first Linear's forward pre-hook, inside the user's forward). References:
the same step's figures read without autocast, and autograd's own gradient of the activation."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _monitor_inputs, _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 2))


def _batch(contiguous: bool):
    x = torch.randn(8, 32, generator=torch.Generator().manual_seed(3))
    return x.t().contiguous() if contiguous else x.t()


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("contiguous", [True, False])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_a_step_under_autocast_reads_and_does_not_raise(monkeypatch, compiled, contiguous, dtype):
    if not compiled:
        monkeypatch.setattr(_torch_stats, "ENABLED", False)
    model, x = _model(), _batch(contiguous)
    seen = {}

    def keep(_module, _inputs, out):
        out.register_hook(lambda g: seen.__setitem__("g", g))

    model[1].register_forward_hook(keep)
    mon = Monitor(model, every=1)
    if compiled:  # (the Monitor starts the kernels' loading; the suite installs numba, so they load)
        assert _torch_stats.wait(120) is not None
    with mon.step() as s:
        with torch.autocast("cpu", dtype=dtype):
            loss = model(x).float().pow(2).mean()
        loss.backward()
        s.loss = loss
    report = mon.report()
    layer = report.layers[0]
    assert layer.act_grad_norm == pytest.approx(seen["g"].double().norm().item(), rel=1e-3)
    # the input figures, read outside autocast: those of the batch itself, in float32
    assert report.step == 1 and math.isfinite(layer.mean)
    figures = _monitor_inputs._spread(x)
    held = [float(v) for v in figures]
    with torch.autocast("cpu", dtype=dtype):
        under = [float(v) for v in _monitor_inputs._spread(x)]
    assert under == pytest.approx(held, rel=1e-6)
    rows = x.double().reshape(x.shape[0], -1)
    assert held[1] == pytest.approx(rows.abs().max().item(), rel=1e-6)
    assert held[3] == pytest.approx(rows.square().mean().sqrt().item(), rel=1e-6)
