"""A saturated layer's std (issue 17, W73 walkthrough finding 6): a Tanh layer pushed to 0.99999976 by a bias of 8
read std 2.4e-4 where its float32 outputs' own std is 8.8e-8 (about 2,800 times too large), and 3.0e-4 against
2.6e-4 at a bias of 4: the std was the sum of a^2 less n mean^2 in float32, which cancels to float32's rounding where
the values barely differ. Reference: the float32 activations themselves, caught by a forward hook of the test's own
and summed in float64; on the compiled passes and on the torch path, for each kernel that makes the sums."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

ACTS = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU, "elu": nn.ELU, "silu": nn.SiLU}


def _layer_figures(act: str, bias: float, compiled: bool, monkeypatch, seq: bool = False):
    monkeypatch.setattr(_torch_stats, "ENABLED", compiled)
    if compiled:
        assert _torch_stats.load() is not None, _torch_stats._failure
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), ACTS[act](), nn.Linear(64, 2))
    with torch.no_grad():
        model[0].bias.fill_(bias)
        model[0].weight.mul_(0.3)
    caught = []
    model[1].register_forward_hook(lambda m, i, out: caught.append(out.detach().clone()))
    x = torch.randn(16, 16, 20) if seq else torch.randn(256, 20)
    mon = Monitor(model, every=1)
    with mon.step():
        model(x).pow(2).mean().backward()
    layers = mon.report().layers
    # the monitor's own sums are no activation of the model's (a clamp at 0 in them read as one: '0>addcmul:relu')
    assert [layer.name for layer in layers] == ["1"], [layer.name for layer in layers]
    row = layers[0]
    a = caught[-1].double()
    return row, a.mean().item(), a.std().item()


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(("act", "bias"), [("tanh", 4.0), ("tanh", 8.0), ("sigmoid", 8.0), ("sigmoid", 13.0)])
def test_a_saturated_layers_std_is_its_outputs_own(monkeypatch, act, bias, compiled):
    row, mean, std = _layer_figures(act, bias, compiled, monkeypatch)
    assert 0 < std < 1e-3 * abs(mean)  # the premise: values that barely differ
    assert row.std == pytest.approx(std, rel=1e-3), (row.std, std)
    assert row.mean == pytest.approx(mean, rel=1e-7)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("seq", [False, True])
@pytest.mark.parametrize("act", sorted(ACTS))
def test_an_unsaturated_layers_std_is_its_outputs_own(monkeypatch, act, seq, compiled):
    row, mean, std = _layer_figures(act, 0.1, compiled, monkeypatch, seq=seq)
    assert std > 0.01
    assert row.std == pytest.approx(std, rel=1e-5) and row.mean == pytest.approx(mean, rel=1e-5, abs=1e-7)


def test_every_output_equal_reads_a_std_of_0(monkeypatch):
    """tanh(12) is 1 in float32: every output the same, a std of exactly 0 (no rounding left over)."""
    for compiled in (True, False):
        row, mean, std = _layer_figures("tanh", 12.0, compiled, monkeypatch)
        assert std == 0.0 and mean == 1.0
        assert row.std == 0.0 and row.mean == 1.0


def test_a_layer_holding_a_nan_reads_no_std(monkeypatch):
    """The shift the sums are taken about is the layer's first value: where that one is NaN, the layer reads as one
    holding a NaN, as before, and its std is not made up."""
    monkeypatch.setattr(_torch_stats, "ENABLED", True)
    assert _torch_stats.load() is not None
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    x = torch.randn(64, 4)
    x[0, 0] = math.nan
    mon = Monitor(model, every=1)
    with mon.step():
        model(x).pow(2).mean().backward()
    row = mon.report().layers[0]
    assert math.isnan(row.std) and row.non_finite

