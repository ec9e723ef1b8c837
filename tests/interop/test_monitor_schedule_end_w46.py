"""Issue 17 (W46 walkthrough, finding 5): a cosine schedule that reached a learning rate of 0 at step 400, in a run
that went on to step 700. The reading said 'weights not changing' and its remedy began 'Call opt.step() after
loss.backward()', which the script did; it now says first that a schedule ending at 0 ended the training, and by
which step at the latest: the first read of the weights' values after their last change. Reference: the test's own
record of the last step whose update changed a weight."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop._monitor_weights import VALUE_STEPS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _lr(step, end=200):
    return 0.0 if step >= end else 0.1 * 0.5 * (1 + math.cos(math.pi * step / end))


def test_a_schedule_that_ends_at_0_is_said_first():
    g = torch.Generator().manual_seed(0)
    x_all = torch.randn(2048, 16, generator=g)
    y_all = (x_all @ torch.randn(16, 4, generator=g)).argmax(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    last_change = 0
    with Monitor(model, every=10, chance_loss=math.log(4)) as mon:
        for step in range(1, 401):
            for group in opt.param_groups:
                group["lr"] = _lr(step)
            i = torch.randint(0, 2048, (64,), generator=g)
            before = [p.detach().clone() for p in model.parameters()]
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x_all[i]), y_all[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            if any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True)):
                last_change = step
    rep = mon.report()
    assert 150 <= last_change < 200  # the premise: the schedule's last update that moved a weight
    r = rep.reading
    assert r.status.value == "weights_still" and "weights not changing" in r.words
    since = r.findings[0].evidence["weights_still_since"]
    assert since > last_change  # 'by step N at the latest' holds: no weight changed on or after it
    # and it is dated by the first read of the values after the last change, within one read interval of it (W46
    # finding 5, rest: it was the second read after it, step 251 for a last change at step 199)
    assert since - last_change <= VALUE_STEPS, (since, last_change)
    # the rates read date the end exactly (W85 walkthrough finding 10: the reading asked 'is its learning rate 0?'
    # beside rates read as 0): the schedule's 0 from step 200, 0.1 x (1 + cos(pi x 199 / 200)) / 2 the step before
    assert r.remedy.startswith("Training ended where the learning rate reached 0, at training step 200: the steps "
                               "since change no weight, so end the run there, or give the schedule as many steps as "
                               "the run takes"), r.remedy
    assert (f": the optimiser's learning rate is 0 since training step 200 ({_lr(199):.3g} at training step 199): a "
            "schedule that ends at 0, or a rate set to 0") in r.words, r.words
    assert "under a thousandth of its highest" not in r.words  # (said once)
