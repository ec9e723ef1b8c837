"""Issue 17, debug mode's cost (M5 part 1): an activation module that needs its input for f' (GELU, SiLU, ELU, ...)
and cannot write into it has f' taken after its forward, from the input the forward just read, rather than before
it; a module that writes into its input all the same (no inplace attribute) is caught by the input's version counter:
that step leaves the place out, and from the next sampled step on f' is taken before the forward, from the input
as it was. These tests guard the change (the previous monitor, which always took f' before the forward, passes
them too); the speed is bench/torch_monitor.py's."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class GELU(nn.GELU):  # named as torch's: the monitor maps it to the gelu record
    """A GELU that writes into its input after reading it, with no inplace attribute to say so."""

    def forward(self, x):
        out = F.gelu(x)
        with torch.no_grad():
            x.mul_(3.0)  # -3 becomes -9, where f' is about 0: read from here, every unit would look saturated
        return out


def _gelu_prime(z: torch.Tensor) -> torch.Tensor:
    z = z.detach().clone().requires_grad_(True)
    (d,) = torch.autograd.grad(F.gelu(z).sum(), z)
    return d


def test_f_prime_after_the_forward_matches_autograd_on_the_input():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.GELU(), nn.Linear(16, 1))
    seen = []
    model[1].register_forward_hook(lambda m, i, o: seen.append(i[0].detach().clone()))
    mon = Monitor(model, every=1)
    x = torch.randn(64, 4)
    with mon.step():
        model(x).pow(2).mean().backward()
    layer = mon.report().layers[0]
    d = _gelu_prime(seen[0])
    zero = float((d == 0).double().mean())
    saturated = int(((d.abs().mean(0)) < 0.01 * 1.1289).sum())
    assert layer.zero_derivative_fraction == pytest.approx(zero, abs=1e-12)
    assert layer.saturated == saturated


def test_a_module_that_writes_into_its_input_is_read_from_the_input_as_it_was():
    model = nn.Sequential(GELU(), nn.Linear(4, 1))
    mon = Monitor(model, every=1)
    reports = []
    for _ in range(3):
        x = torch.full((8, 4), -3.0)  # |f'(-3)| = 0.0120, above the saturation line (1% of 1.129); f'(-9) is ~0
        assert float(_gelu_prime(x).abs().mean()) > 0.01 * 1.1289
        with mon.step():
            model(x).pow(2).mean().backward()
        model.zero_grad()
        reports.append(mon.report())
    # the first sampled step finds the write (the input's version moved) and leaves the place out
    assert [l.name for l in reports[0].layers] == []
    # from then on f' is taken before the forward: no unit saturated, as the input -3 says
    for r in reports[1:]:
        (layer,) = r.layers
        assert layer.name == "0" and layer.width == 4 and layer.saturated == 0 and layer.dead == 0
        assert math.isfinite(layer.mean) and layer.mean == pytest.approx(float(F.gelu(torch.tensor(-3.0))),
                                                                         rel=1e-3)
