"""Two readings of W31's walkthrough (issue 17). A loss fallen back from a one-step spike is not 'risen' (one update at
lr 40 took the loss to 129, 93 times chance, and at step 81, back down to 2.82, the reading said 'it has risen from
1.02 to 2.82 ... if it keeps rising, lower the learning rate'); and a dying layer heading the reading leaves no
'starting: ... 1 of 64 hidden units is dead' among the other findings, a count that contradicted its own 19 of 32.
References: the losses the test gives, and a forward hook's record of the killed units."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import LayerSummary, RunSummary, Status, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

CHANCE = math.log(4)  # four balanced classes


def _sampled(losses, chance=CHANCE):
    steps = tuple(range(1, 5 * len(losses), 5))
    return RunSummary((LayerSummary("relu", 32, 0.1, 0, 0),), 0.2, losses[-1], chance, None, steps[-1],
                      loss_batches=len(losses), recent_losses=tuple(losses), recent_loss_steps=steps)


def test_a_loss_falling_back_from_a_spike_is_not_said_to_rise():
    words = diagnose(_sampled([1.40, 1.38, 1.39, 20.0, 9.0, 6.0, 4.0])).words  # 20 is 5 times the latest 4
    assert words.startswith("starting: ") and "it has risen" not in words, words
    # a loss still climbing says so
    words = diagnose(_sampled([0.7, 1.26, 2.81, 5.0, 9.3, 17.7])).words
    assert "it has risen from 0.7 to 17.7" in words, words


def test_a_dying_layer_leaves_no_starting_finding_with_its_own_dead_count():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(1024, 8), torch.randint(0, 4, (1024,))  # random labels: the loss stays near chance
    on = []
    model[3].register_forward_hook(lambda m, i, o: on.append((o.detach() > 0).any(0)))
    mon = Monitor(model, every=5, chance_loss=math.log(4))
    dying = []
    for step in range(1, 121):
        if step == 61:
            with torch.no_grad():
                model[2].bias[:20] -= 20.0
        i = torch.randint(0, 1024, (32,))
        before = mon.sampled_steps
        monitored_step(mon, model, x[i], y[i], opt)
        if mon.sampled_steps > before and mon.report().status == Status.DEAD_LAYER:
            dying.append(mon.report())
    assert not torch.stack(on[60:]).any(0)[:20].any()  # the premise: the 20 stay off
    assert dying, "no dying reading"
    for r in dying:
        assert r.reading.words.startswith("dying layer: "), r.reading.words
        assert not any(f.words.startswith("starting: ") for f in r.reading.findings), [f.words for f in
                                                                                      r.reading.findings]
