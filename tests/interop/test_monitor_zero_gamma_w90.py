"""Issue 17, W90 walkthrough finding 4: a ResNet whose blocks end in a BatchNorm with its weight (gamma) at 0, as
Goyal et al. (2017) initialise residual branches, read 'no gradient reaches 'blocks.0.c2.weight'' on its rows at step 1
and 'vanishing' at steps 2 and 3, beside a headline 'gradients reach every layer', with no word of why. A note now
says which norm modules begin at 0 and which weights they hold back. The reference: the test's own reading of each
block's conv gradient (exactly 0 at step 1) and of the norms' weights."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Block(nn.Module):
    def __init__(self, c, zero):
        super().__init__()
        self.c1, self.b1, self.r1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()
        self.c2, self.b2, self.r2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()
        if zero:
            nn.init.zeros_(self.b2.weight)

    def forward(self, x):
        return self.r2(x + self.b2(self.c2(self.r1(self.b1(self.c1(x))))))


def _model(zero):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), Block(8, zero), Block(8, zero),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))


@pytest.mark.parametrize("zero", [True, False])
def test_norms_that_begin_at_zero_are_named_with_the_weights_they_hold_back(zero):
    model = _model(zero)
    x, y = torch.randn(32, 3, 8, 8), torch.randint(0, 4, (32,))
    with Monitor(model, every=1, chance_loss=math.log(4)) as mon:
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        grads = [float(model[k].c2.weight.grad.norm()) for k in (2, 3)]
        report = mon.report()
    notes = [n for n in report.notes if "gamma" in n]
    if zero:
        assert grads == [0.0, 0.0]  # the premise: nothing reaches the second conv of a block at step 1
        assert notes == ["'2.b2', '3.b2' begin with their weight (gamma) all 0, as a zero-initialised residual branch "
                         "does: the weights before them ('2.c2.weight', '3.c2.weight') get no gradient until that "
                         "weight moves, and little while it is small, by design; their rows read so over the first "
                         "steps"], report.notes
    else:
        assert min(grads) > 0 and notes == [], report.notes
