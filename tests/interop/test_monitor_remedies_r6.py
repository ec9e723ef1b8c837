"""Issue 17 (W12 item 4): the monitor's remedies fit the model's activations (t23_geludead.py: a GELU net whose
second layer's bias is -100 was told to use Leaky ReLU or GELU)."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
nn, F = torch.nn, torch.nn.functional

from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_gelu_net_with_dead_units_is_told_about_its_biases_not_to_use_gelu():
    torch.manual_seed(0)
    x = torch.randn(2000, 20)
    y = (x @ torch.randn(20, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 5))
    with torch.no_grad():
        model[2].bias.fill_(-100.0)
    opt = torch.optim.SGD(model.parameters(), 0.05)
    with Monitor(model, every=5, chance_loss=math.log(5)) as mon:
        for _ in range(30):
            idx = torch.randint(0, 2000, (64,))
            monitored_step(mon, model, x[idx], y[idx], opt)
    r = mon.report().reading
    assert r.is_failure, r.words
    remedies = " ".join(f.remedy for f in r.findings)
    assert "Leaky ReLU" not in remedies and "GELU instead" not in remedies and "instead of" not in remedies
    assert "biases" in remedies and "gelu" in remedies


def test_a_relu_net_that_vanishes_is_not_told_to_leave_sigmoid_or_tanh():
    torch.manual_seed(0)
    layers = [nn.Linear(20, 32)]
    for _ in range(30):
        layers += [nn.ReLU(), nn.Linear(32, 32)]
    model = nn.Sequential(*layers, nn.ReLU(), nn.Linear(32, 5))
    x = torch.randn(64, 20)
    y = torch.randint(0, 5, (64,))
    mon = Monitor(model, every=1, chance_loss=math.log(5))
    monitored_step(mon, model, x, y)
    r = mon.report().reading
    mon.close()
    remedies = " ".join(f.remedy for f in r.findings)
    assert "sigmoid" not in remedies and "tanh" not in remedies, (r.words, remedies)
    assert r.status.value == "vanishing", r.words  # a 31-layer ReLU stack at PyTorch's default initialisation
    assert "He initialisation" in remedies and "residual connections" in remedies
