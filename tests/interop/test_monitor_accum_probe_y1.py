"""Gradients accumulated over micro-batches are noted when every sampled step is the first block after zero_grad()
(issue 17, W29 walkthrough finding 2): with 4 blocks per optimiser step and every=4, no .grad was ever set as a sampled
step's forward began, and |dL/dW| read one micro-batch's gradient (0.0875 against the optimiser's 0.21) with no note.
The step after each of the first sampled steps checks, at its end, whether its .grad is the one the sampled step left,
added to once. The reference is each loop's own shape; the loops that zero their gradients never get the note."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

NOTE = "gradients accumulate across steps"


def _loop(every, accumulate: int = 1, zero: str = "after", set_to_none: bool = True, clip: bool = False):
    torch.manual_seed(0)
    x = torch.randn(1024, 10)
    y = (x @ torch.randn(10, 3)).argmax(1)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    with Monitor(model, every=every, chance_loss=math.log(3)) as mon:
        for b in range(48):
            i = torch.randint(0, 1024, (16,))
            with mon.step() as s:
                if zero == "inside":
                    opt.zero_grad(set_to_none=set_to_none)
                loss = F.cross_entropy(model(x[i]), y[i]) / accumulate
                loss.backward()
                s.loss = loss
            if (b + 1) % accumulate == 0:
                if clip:
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                if zero == "after":
                    opt.zero_grad(set_to_none=set_to_none)
    return mon.report()


@pytest.mark.parametrize("every", [4, 8])
def test_micro_batches_aligned_with_the_interval_are_noted(every):
    report = _loop(every, accumulate=4)
    note = next((n for n in report.notes if n.startswith(NOTE)), None)
    assert note is not None, report.notes
    assert note.startswith(f"{NOTE}: at the end of step 2, every weight ('0.weight', ...) still held step 1's "
                           "gradient (no zero_grad() between the two), and backward added step 2's to it"), note


@pytest.mark.parametrize("zero,set_to_none,clip", [("after", True, False), ("after", False, False),
                                                   ("inside", False, False), ("inside", True, False),
                                                   ("after", False, True)])
def test_loops_that_zero_their_gradients_are_not_noted(zero, set_to_none, clip):
    for every in (1, 4, "auto"):
        report = _loop(every, zero=zero, set_to_none=set_to_none, clip=clip)
        assert not any(n.startswith(NOTE) for n in report.notes), (every, report.notes)
