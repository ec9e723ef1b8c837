"""No gradient on a batch whose layers are flat, said as it is (issue 17, W73 walkthrough finding 7): a conv net
whose Hardswish and Softplus layers were pushed far into their flat tails read 'every unit of module '5' (Hardswish)
... was off on that batch' of units none of which had a slope of 0, and after 150 steps with every weight gradient
under 1.4e-12 still read as one batch's ('not known to be for good'), with no word of how long it had held. 'Off' is
now said of rectifiers only, and the sampled batches in a row with every gradient under the round-off floor are
counted. Reference: the weights' gradients the test reads itself after each step."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.reading_flow import GRAD_FLOOR  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _run(act, bias: float, steps: int = 12):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), act, nn.Linear(16, 3))
    with torch.no_grad():
        model[0].bias.fill_(bias)
        model[0].weight.mul_(0.1)
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    largest = []
    for _ in range(steps):
        x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        largest.append(max(float(p.grad.norm()) for n, p in model.named_parameters() if n.endswith("weight")))
        model.zero_grad()
    return mon.report().reading, largest


def test_a_softplus_layer_far_in_its_tail_is_flat_not_off_and_its_run_is_counted():
    reading, largest = _run(nn.Softplus(), -40.0)
    # the premise: a gradient under the floor on every step (the output layer's too: its inputs are about 4e-18),
    # though not exactly 0 on all of them
    assert all(g < GRAD_FLOOR for g in largest), largest
    words = reading.words
    assert reading.findings[0].status == "no_gradient", words
    assert "every unit of module '1' (Softplus) was on a flat part (a slope of 0, or under 1% of its largest) on " \
           "that batch" in words, words
    assert "as on each of the last 12 sampled batches (from training step 1)" in words, words
    assert " was off on that batch" not in words

