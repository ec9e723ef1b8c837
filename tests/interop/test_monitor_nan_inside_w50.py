"""Issue 17 (W50 walkthrough, finding 2): a NaN made inside the model (torch.log of a layer's output, negative on some
points, from step 150). Sampled every step, the reading named the place ('it began at tanh applied as a function to
the result of log ...') while its remedy sent the reader to the data and the loss first; sampled every 5 steps, it
said 'it began in the loss, on a step not sampled', though the loss was only where it was first seen. Reference: the
script's own forward, which makes the NaN (the loss turns NaN at step 150 and not before)."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

BAD = 150


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.out = nn.Linear(20, 64), nn.Linear(64, 64), nn.Linear(64, 4)
        self.step = 0

    def forward(self, x):
        h = self.fc2(F.relu(self.fc1(x)))
        if self.step >= BAD:
            h = torch.log(h)  # negative values: NaN
        return self.out(torch.tanh(h))


@pytest.mark.parametrize("every", [1, 5])
def test_a_nan_made_inside_the_model_is_looked_for_there(every):
    torch.manual_seed(0)
    centers = torch.randn(4, 20)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    with Monitor(model, every=every, chance_loss=math.log(4)) as mon:
        for step in range(1, BAD + 11):
            model.step = step
            y = torch.randint(0, 4, (64,))
            x = centers[y] + torch.randn(64, 20)
            with mon.step() as s:
                loss = F.cross_entropy(model(x), y)
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
    assert all(math.isfinite(v) for v in losses[:BAD - 1]) and math.isnan(losses[BAD - 1])  # the premise
    r = mon.report().reading
    assert r.status.value == "diverged", r.words
    if every == 1:  # the place is known: the remedy looks there first
        assert "it began at tanh applied as a function to the result of log" in r.words, r.words
        assert r.remedy.startswith("The NaN first appears inside the model, at tanh applied as a function to the "
                                   "result of log"), r.remedy
        assert "a log or a square root of a value at or below 0" in r.remedy
    else:  # met first in the loss of a step not sampled: where it began is not known, and not said to be the loss
        assert "it began in the loss" not in r.words, r.words
        assert "it was first seen in the loss, on a step not sampled (its activations were not read, so where in the " \
               "model or the loss it began is not known)" in r.words, r.words
        # and the remedy first says how to find where (W51 walkthrough: it led with 'points at the data or the loss,
        # first', while the NaN came from inside the model)
        first = next(t for t, v in enumerate(losses, 1) if not math.isfinite(v))
        assert r.remedy.startswith(f"Where the NaN began is not known: training step {first:,} was not sampled, "), \
            r.remedy
        assert "Monitor(every=1)" in r.remedy and "Meanwhile: a loss that turns NaN without climbing first" in r.remedy
