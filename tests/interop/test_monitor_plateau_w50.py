"""Issue 17 (W50 walkthrough, finding 1): lr 50 at step 200 threw a run that had learned onto a plateau of losses
between 440 and 2,060 (300 to 1,500 times chance), and the status went from diverged to not learning and back 10
times in 200 steps, as each batch's loss fell on one side of 1,000 times chance or the other. A run that blew up and
whose every loss since the peak is still past the blow-up line (30 times chance) now reads diverged for as long as it
stays there. References: the scripted losses (a seeded plateau) and their own bounds."""

from __future__ import annotations

import math
import random
import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.reading_loss import BLOW_UP_LOSS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(4)


def _statuses(losses, every=5):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 4))
    x = torch.randn(32, 4)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    seen = {}
    with Monitor(model, every=every, chance_loss=CHANCE) as mon:
        for t, v in enumerate(losses, 1):
            before = mon.sampled_steps
            with mon.step() as s:
                model(x).square().mean().backward()
                s.loss = torch.tensor(v, dtype=torch.float64)
            opt.step()
            opt.zero_grad()
            if mon.sampled_steps > before:
                seen[t] = mon.report().reading
    return seen


def test_a_run_thrown_onto_a_plateau_far_above_chance_reads_diverged_throughout():
    rng = random.Random(0)
    learned = [1.4 - 0.0046 * k for k in range(200)]  # to 0.485 at step 200
    plateau = [math.exp(rng.uniform(math.log(440), math.log(2060))) for _ in range(196)]
    losses = learned + [17.4, 80.0, 400.0, 1219.0] + plateau
    assert min(plateau) > BLOW_UP_LOSS * CHANCE and max(plateau) > 1000 * CHANCE > min(plateau)  # the premise
    seen = _statuses(losses)
    after = {t: r for t, r in seen.items() if t > 205}
    statuses = {r.status.value for r in after.values()}
    assert statuses == {"diverged"}, {t: r.status.value for t, r in after.items()}
    # one step named for the blow-up from its first reading to the last (each new high of the plateau moved it, from
    # 205 to 260 to 311): a later high within twice the peak, after a dip under half of it, leaves it (_moves_peak)
    found = (re.search(r"blew up to (\S+) at training step ([\d,]+)", r.words) for r in after.values())
    named = {m.groups() for m in found if m}
    assert len(named) == 1, sorted(named, key=lambda n: int(n[1]))
    (loss, step), = named
    assert f"{losses[int(step) - 1]:.3g}" == loss and float(loss) > 1000 * CHANCE, (loss, step)
    assert max(losses) > float(loss) and losses.index(max(losses)) > int(step)  # the premise: higher ones came later
    last = seen[max(seen)]
    assert "diverged: the loss blew up to" in last.words and "from 0.485 at training step 200" in last.words, last.words
    assert "its sampled losses from training step 351 on (10 sampled steps) have been between" in last.words, last.words


def test_a_run_whose_loss_comes_back_from_the_plateau_is_no_longer_diverged():
    rng = random.Random(1)
    learned = [1.4 - 0.0046 * k for k in range(200)]
    plateau = [math.exp(rng.uniform(math.log(440), math.log(2060))) for _ in range(60)]
    back = [1.2 - 0.002 * k for k in range(150)]  # back under chance and learning again
    seen = _statuses(learned + [17.4, 80.0, 400.0, 1219.0] + plateau + back)
    end = seen[max(seen)]
    assert end.status.value != "diverged", end.words
