"""Issue 17 (brief M2, item 2): a float32 activation whose values are finite but whose squares pass float32's range
reads its std and ||dL/da|| as numbers (summed again in float64 on a CPU), not '-'; where that cannot be done
cheaply (off a CPU, simulated here) the std reads inf with the reason. References: float64 computations on the same
tensors."""

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _monitor_places as monitor_places  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


class _Capture:
    def __init__(self, module):
        self.a = self.g = None
        module.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        self.a = output.detach().clone()
        output.register_hook(self._grad)

    def _grad(self, g):
        self.g = g.detach().clone()


def _huge(act, out_scale):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), act, nn.Linear(16, 1))
    with torch.no_grad():
        model[0].weight.mul_(1e24)  # activations about 1e24: finite, squares past float32's 3.4e38
        model[0].bias.zero_()
        model[2].weight.mul_(out_scale)
    return model


@pytest.mark.parametrize("act", [nn.LeakyReLU(0.1), nn.ReLU(), nn.Tanh(), nn.GELU()], ids=lambda m: type(m).__name__)
def test_the_std_of_finite_float32_values_whose_squares_overflow_reads_a_number(act):
    model = _huge(act, 1e-24)
    cap = _Capture(model[1])
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(1))
    mon = Monitor(model, every=1)
    for _ in range(2):  # the second step reuses the learned structure (a deferred ReLU's sums)
        with mon.step():
            model(x).sum().backward()
        model.zero_grad()
    a = cap.a.double()
    assert torch.isfinite(cap.a).all()
    r = mon.report()
    (layer,) = r.layers
    ref = float(a.std())
    if ref > 1e19:  # squares overflow float32 (tanh's outputs are within 1: nothing overflows, the test still holds)
        flat = cap.a.reshape(-1)
        assert math.isinf(float(torch.dot(flat, flat)))  # the reference: float32's own sum of squares overflows
        assert any("summed again in float64" in n for n in r.notes)
    assert layer.std == pytest.approx(ref, rel=1e-5)  # was NaN, shown '-'
    assert layer.mean == pytest.approx(float(a.mean()), rel=1e-5)
    row = str(r).splitlines()[3].split()
    assert row[8] != "-"
    assert r.reading.status.value != "diverged" and not layer.non_finite


def test_a_gradient_whose_squares_overflow_reads_its_norm():
    model = _huge(nn.LeakyReLU(0.1), 1.0)  # dL/da is the output weight, about 1e24 per unit after the scaling
    with torch.no_grad():
        model[0].weight.mul_(1e-24)  # activations of ordinary size
        model[2].weight.mul_(1e24)
    cap = _Capture(model[1])
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(1))
    mon = Monitor(model, every=1)
    with mon.step():
        model(x).sum().backward()
    g = cap.g.reshape(-1)
    assert math.isinf(float(torch.dot(g, g)))  # the reference: float32 cannot sum its squares
    (layer,) = mon.report().layers
    assert layer.act_grad_norm == pytest.approx(float(torch.linalg.vector_norm(cap.g.double())), rel=1e-6)


def test_off_a_cpu_the_std_reads_inf_with_the_reason(monkeypatch):
    """Summing again in float64 needs the sum of squares on the host at once: on an accelerator that is a
    synchronisation per place, so there the std reads inf (a bound) and a note says why (simulated on the CPU by
    turning the float64 sum off)."""
    monkeypatch.setattr(monitor_places, "SUM64_ON_CPU", False)
    model = _huge(nn.LeakyReLU(0.1), 1e-24)
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(32, 4, generator=torch.Generator().manual_seed(1))).sum().backward()
    r = mon.report()
    (layer,) = r.layers
    assert layer.std == math.inf and not layer.non_finite
    assert str(r).splitlines()[3].split()[8] == "inf"
    assert any("the std reads inf, a bound" in n for n in r.notes)
    assert r.reading.status.value != "diverged"
    assert "inf" in str(r.to_dict()["layers"][0]["std"])  # the log writes it as the string "inf"
