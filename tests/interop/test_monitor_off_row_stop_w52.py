"""Issue 17 (W52 walkthrough, finding 4): a residual block whose activation is a module of the script's own
(torch.where(h > 0, h, 0)), all of its units pushed off at step 600, read 'healthy: gradients reach every layer' to
the end, beside a note saying 'b2a.weight' and 'b2b.weight' got no gradient. Weights no watched activation follows,
whose gradient is exactly 0 on 3 or more of the latest 9 sampled batches, now read `vanishing`, named. References:
the script's own gradients; the same model untouched reads no such thing."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


class WhereReLU(nn.Module):
    def forward(self, h):
        return torch.where(h > 0, h, torch.zeros_like(h))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp, self.out = nn.Linear(10, 64), nn.Linear(64, 4)
        self.b1a, self.b1b, self.b2a, self.b2b = (nn.Linear(64, 64) for _ in range(4))
        self.gelu, self.act2 = nn.GELU(), WhereReLU()

    def forward(self, x):
        h = F.relu(self.inp(x))
        h = h + self.b1b(self.gelu(self.b1a(h)))
        h = h + self.b2b(self.act2(self.b2a(h)))  # the block no hook reads
        return self.out(h)


def _run(kill: bool):
    torch.manual_seed(0)
    x = torch.randn(4096, 10)
    y = (x @ torch.randn(10, 4)).argmax(1)
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(1)
    seen, zero = {}, {}
    with Monitor(model, every=1, chance_loss=math.log(4)) as mon:
        for t in range(1, 401):
            if kill and t == 300:
                with torch.no_grad():
                    model.b2a.bias -= 50.0
            i = torch.randint(0, 4096, (64,), generator=g)
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            zero[t] = float(model.b2a.weight.grad.abs().sum()) == 0 and float(model.b2b.weight.grad.abs().sum()) == 0
            opt.step()
            opt.zero_grad()
            if t >= 295 or t % 10 == 0:  # (a report costs a few ms: every step where the test reads each)
                seen[t] = mon.report().reading
    return seen, zero


@pytest.mark.parametrize("kill", [True, False])
def test_weights_that_no_watched_activation_follows_and_that_get_no_gradient_read_vanishing(kill):
    seen, zero = _run(kill)
    if not kill:
        assert not any(zero.values())
        assert all("no watched activation follows" not in r.words for r in seen.values())
        assert seen[400].status is Status.HEALTHY, seen[400].words
        return
    assert all(zero[t] for t in range(300, 401)) and not any(zero[t] for t in range(1, 300))  # the premise
    for t in range(302, 401):  # from the third batch on, every step
        r = seen[t]
        n = min(t - 299, 9)
        assert r.status is Status.VANISHING, (t, r.words)
        assert r.words.startswith("vanishing at weights no watched activation follows: no gradient reaches "
                                  f"'b2a.weight' and 'b2b.weight' on {n} of the latest 9 sampled batches"), (t, r.words)
        assert "gradients reach every layer" not in r.words
    assert "Apply the activation as a module or function actlab knows" in seen[400].remedy
