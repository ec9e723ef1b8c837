"""Issue 17, W107 walkthrough finding 2: a learning rate raised from 0.05 to 5 at step 300 took the loss from 0.06 to
a median of 10.4 by step 312; the run came back and read healthy, but its headline said 'earlier, the loss climbed
from its first, 2.31 at training step 1', and the remedy 'a loss that climbs from its first usually means steps too
large: lower the learning rate (a tenth is a good first try)'. A climb after the run had learned is told from its low,
and the rate raised before it leads the remedy. References: the test's own losses and the rate it set."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def test_a_climb_after_the_run_learned_is_told_from_its_low_with_the_raised_rate():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 10, (3500,), generator=g)
    x = 1.5 * torch.randn(10, 20, generator=g)[y] + torch.randn(3500, 20, generator=g)
    model = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = {}
    with Monitor(model, chance_loss=math.log(10)) as mon:  # every="auto"
        for t in range(1, 601):
            if t == 300:
                for group in opt.param_groups:
                    group["lr"] = 5.0
            i = torch.randint(0, 3500, (64,), generator=g)
            with mon.step(sample=t == 600) as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            losses[t] = float(loss)
        r = mon.report().reading
    low = min(v for t, v in losses.items() if t < 300)
    assert low < 0.2 and max(losses[t] for t in range(300, 320)) > 10 * math.log(10)  # the premise
    assert r.status.value == "healthy", r.words
    assert "climbed from its first" not in r.words, r.words
    assert f"earlier, after the loss had come down to {low:.3g} (the batch of training step " in r.words, r.words
    assert "it climbed from training step 30" in r.words, r.words
    assert ("the learning rate went from 0.05 to 5 at the optimiser's step of training step 300, before the climb: "
            "the likeliest cause; go back to 0.05") in r.remedy, r.remedy
    assert "a tenth" not in r.remedy, r.remedy


def test_a_climb_after_learning_with_no_rate_change_gets_the_step_size_remedy():
    """The other branch: the rate the same throughout (1e-3), the scripted loss from chance down to 0.2, up to 5 times
    chance for 15 steps from step 151, and back down. The climb is told from its low, and with no raised rate to
    blame the remedy is the step size's. Reference: the scripted losses themselves."""
    from interop._scripted_losses import CHANCE, levels, scripted_run

    losses = levels([(CHANCE, 20), (0.2, 130), (5 * CHANCE, 15), (0.15, 120)], cv=0.1)
    r = scripted_run(losses, CHANCE)[-1].reading
    low_at = min(range(150), key=lambda k: losses[k]) + 1
    assert r.status.value == "healthy", r.words
    assert (f"earlier, after the loss had come down to {losses[low_at - 1]:.3g} (the batch of training step "
            f"{low_at:,}), it climbed from training step 151") in r.words, r.words
    assert "climbed from its first" not in r.words
    assert "For a lower loss: a loss that climbs after the run has learned usually means steps too large" in r.remedy, \
        r.remedy
