"""Issue 17 (W49 walkthrough, finding 2): lr 3 from step 400 took a 5-class run's loss (chance 1.61) to 14, 16, 14,
353, 12.6, 649, 8.3e5, 36, 5.3e5, 1.07e11 and 3.55e12 at step 411, then back to 5. Every reading from step 412 on said
'the loss blew up to 353 at training step 404': the dip to 12.6 (under 30 times chance, but 8 times it) ended that
blow-up, and the climb after it, from losses near 14, did not count as one from low. A blow-up now goes on while its
losses dip under the line without coming back to their level (and, since W66, the words date it from its first loss
past the line and name the peak after it). References: the scripted losses (their highest, and
the last loss at the level before the climb)."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(5)
BEFORE = [0.6 - 0.005 * k for k in range(60)]  # learning: to 0.305, 81% below chance
CLIMB = [14.13, 15.96, 13.79, 352.98, 12.55, 649.2, 830910.75, 36.43, 531047.56, 1.0729e11, 3.5509e12, 5.03, 3.90,
         3.78, 2.96] + [2.2 - 0.01 * k for k in range(30)]


def test_a_blow_up_that_dips_under_the_line_on_its_way_up_is_named_by_its_peak():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 5))
    x = torch.randn(32, 4)
    losses = BEFORE + CLIMB
    peak = max(range(len(losses)), key=losses.__getitem__) + 1  # the test's own: step 71
    start = len(BEFORE)  # the last loss at its level before the climb: step 60
    with Monitor(model, every=1, chance_loss=CHANCE) as mon:
        for t, v in enumerate(losses, 1):
            with mon.step() as s:
                model(x).square().mean().backward()
                s.loss = torch.tensor(v, dtype=torch.float64)
            model.zero_grad()
            if t > peak:
                said = mon.report().reading
                text = said.words + " " + said.remedy
                assert "the loss blew up to 353 at training step 64." in text, (t, text)  # the remedy's date
                # (W66 walkthrough finding 1: a climb in more than one go is dated from its first loss past the
                # line, step 64's 353, and its peak named after it)
                first = next(k for k in range(start + 1, peak) if losses[k - 1] > 30 * CHANCE)
                assert first == 64
                assert (f"the loss blew up to {losses[first - 1]:.3g} at training step {first} (220 times chance), "
                        f"from {losses[start - 1]:.3g} at training step {start}, and went on to "
                        f"{losses[peak - 1]:.3g} at training step {peak} (") in said.words, (t, said.words)
