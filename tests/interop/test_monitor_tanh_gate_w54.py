"""W54 walkthrough finding 3: Mish written by hand, x * tanh(softplus(x)), on pre-activations pushed up read '28 of 384
hidden units are saturated (... little gradient passes back through them)' in a model of 256 hidden units, where the
Mish's mean |slope| was 0.97 and no unit's was under 1% of its peak. The tanh is known as a gate now, and a place
applied to another's output counts that place's units once. References: the units the test kills itself, the model's
own widths, and the composite's slope computed by autograd on the batch."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402

KILLED = 10


class Net(nn.Module):
    def __init__(self, gated: bool):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(20, 128), nn.Linear(128, 128), nn.Linear(128, 10)
        self.gated = gated

    def forward(self, x):
        h = self.fc2(F.relu(self.fc1(x)))
        g = torch.tanh(F.softplus(h))
        return self.out(h * g if self.gated else g)


def _run(gated: bool):
    torch.manual_seed(0)
    x = torch.randn(2048, 20)
    y = torch.randint(0, 10, (2048,))
    model = Net(gated)
    with torch.no_grad():
        model.fc2.weight.mul_(8)
        model.fc2.bias.fill_(4.0)  # most of the tanh's inputs past 3: the gate at 1
        model.fc1.bias[:KILLED] = -100.0  # units the test kills: dead whatever the inputs
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    mon = Monitor(model, every=5, chance_loss=math.log(10))
    for step in range(60):
        i = slice((step * 64) % 2048, (step * 64) % 2048 + 64)
        monitored_step(mon, model, x[i], y[i], opt)
    h = model.fc2(F.relu(model.fc1(x[:64]))).detach().requires_grad_(True)
    (h * torch.tanh(F.softplus(h)) if gated else torch.tanh(F.softplus(h))).sum().backward()
    gate = torch.tanh(F.softplus(h.detach()))
    # the tanh's saturated units by its criterion: a mean f' under 1% of its peak, or a mean output within 1% of 1
    flat = ((1 - gate ** 2).mean(0) < 0.01) | (1 - gate.mean(0) < 0.01)
    return mon.report(), h.grad.abs().mean(0), flat


def test_a_hand_written_mish_reads_its_gate_as_no_saturation_and_counts_its_units_once():
    r, slope, _ = _run(gated=True)
    assert int((slope < 0.01 * 1.0).sum()) == 0 and float(slope.mean()) > 0.9  # the premise: the Mish passes it
    assert any("'fc2>softplus:tanh' is a tanh used as a gate" in n for n in r.notes), r.notes
    assert "saturated" not in r.reading.words, r.reading.words
    assert f"{KILLED} of 256 hidden units are dead" in str(r), str(r)  # 128 + 128, the chain counted once
    assert [l.saturated for l in r.layers if l.name == "fc2>softplus:tanh"] == [0]


def test_a_tanh_no_product_takes_keeps_its_saturated_units_and_its_count():
    r, _, saturated = _run(gated=False)
    flat = int(saturated.sum())  # the reference: the units the tanh saturates on the last batch
    assert not any("used as a gate" in n for n in r.notes)
    assert "of 256 hidden units are saturated" in r.reading.words, r.reading.words
    tanh_row = next(l for l in r.layers if l.name == "fc2>softplus:tanh")
    assert flat > 20  # the premise: a tanh at 1 is flat, and nothing multiplies it back
    assert abs(tanh_row.saturated - flat) <= 0.2 * flat, (tanh_row.saturated, flat)  # over the sampled batches


def _gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def _silu(x):
    return x * torch.sigmoid(x)


def _quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class Stack(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fcs = nn.ModuleList([nn.Linear(32, 64), nn.Linear(64, 64), nn.Linear(64, 64)])
        self.out = nn.Linear(64, 10)
        self.act = act

    def forward(self, x):
        for f in self.fcs:
            x = self.act(f(x))
        return self.out(x)


@pytest.mark.parametrize("act", [_gelu_tanh, _silu, _quick_gelu, torch.tanh])
def test_hand_written_gated_activations_count_the_units_the_product_leaves_flat(act):
    """W55 walkthrough finding 2: with the hidden weights x 8, GELU's tanh form written by hand read 44 of 64 units
    saturated (1 unit's GELU was flat), a hand-written SiLU 12 (1), QuickGELU 18 (1). The reference: the product's own
    slope per unit, by autograd, on the last batch; a plain tanh, no gate, keeps its saturated units."""
    x, y = clusters()
    model = Stack(act)
    with torch.no_grad():
        for f in model.fcs:
            f.weight.mul_(8)
            if act is torch.tanh:  # pushed further: the plain tanh's own units flat on every sample
                f.bias.fill_(6.0)
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(1)
    for _ in range(150):
        i = torch.randint(0, 4096, (64,), generator=g)
        monitored_step(mon, model, x[i], y[i], opt)
    r = mon.report()
    flat, h = [], x[i]
    for f in model.fcs:  # units whose product's mean |slope| is under 1% of 1 on the last batch
        z = f(h).detach().requires_grad_(True)
        out = act(z)
        out.sum().backward()
        flat.append(int((z.grad.abs().mean(0) < 0.01).sum()))
        h = out.detach()
    said = [l.saturated for l in r.layers]
    if act is torch.tanh:  # no gate: the tanh's own flat units, many of them
        assert not any("used as a gate" in n for n in r.notes)
        assert sum(said) >= 0.8 * sum(flat) and sum(flat) > 20, (said, flat)
    else:
        assert sum(1 for n in r.notes if "used as a gate" in n) == 3, r.notes
        assert sum(said) <= sum(flat) + 3, (said, flat)
