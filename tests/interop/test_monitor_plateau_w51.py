"""Issue 17 (W51 walkthrough, findings 1, 3 and 4): a run thrown far above chance reads diverged while it is on the
plateau, and not learning once it has come down off it, once: the median of the latest 10 losses since the peak at or
under 30 x chance ends it for good. Before, every loss since the peak had to be past that line, and a batch under it
flipped the status: 7 times in 10 steps after one head's learning rate was raised to 1, 32 times while a run whose
rate was lowered came down slowly. And the range of the losses since the blow-up names the first step it covers.
References: the scripted losses (the walkthrough's own, to 4 figures, and a seeded descent) and their medians."""

from __future__ import annotations

import math
import random
import re
import statistics

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

CHANCE = 2.36  # the walkthrough's two parts' chance levels, summed
LINE = 30 * CHANCE
LEARNED = [2.4 - 0.0035 * k for k in range(600)]  # to 0.30 by step 600
# W51's multitask run, steps 601 to 640, after its regression head's learning rate went from 3e-3 to 1 at step 600
WILD = [17.0, 79.7, 2914.7, 106.5, 2771.5, 996.8, 177.7, 1743.1, 1081.9, 9.7, 864.9, 1030.6, 175.6, 141.6, 621.8,
        485.0, 64.8, 200.3, 451.8, 306.3, 40.3, 177.6, 402.1, 176.1, 67.6, 170.4, 130.2, 24.5, 42.1, 111.3, 81.3, 9.2,
        32.3, 65.8, 43.1, 4.5, 18.1, 40.2, 24.6, 1.4]


def _readings(losses, every=1):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 4))
    x = torch.randn(32, 4)
    seen = {}
    with Monitor(model, every=every, chance_loss=CHANCE) as mon:
        for t, v in enumerate(losses, 1):
            before = mon.sampled_steps
            with mon.step() as s:
                model(x).square().mean().backward()
                s.loss = torch.tensor(v, dtype=torch.float64)
            model.zero_grad()
            if mon.sampled_steps > before:
                seen[t] = mon.report().reading
    return seen


def _came_down(losses, peak):
    """The first step after ``peak`` at which the median of the latest 10 losses since it is at or under the line."""
    return next(t for t in range(peak + 1, len(losses) + 1)
                if statistics.median(losses[max(peak, t - 10):t]) <= LINE)


def _changes(seen, after):
    statuses = [(t, r.status.value) for t, r in sorted(seen.items()) if t > after]
    return [(t, v) for (t, v), (_, u) in zip(statuses[1:], statuses, strict=False) if v != u]


def test_a_blow_up_s_wild_first_steps_read_diverged_until_the_losses_come_down_then_not_learning_once():
    losses = LEARNED + WILD + [1.3 - 0.001 * k for k in range(40)]
    peak = 603
    assert losses[peak - 1] == max(losses) > 1000 * CHANCE  # the premise: a blow-up past 1,000 x chance
    down = _came_down(losses, peak)
    assert 620 < down < 640, down
    seen = _readings(losses)
    for t in range(peak, down):
        assert seen[t].status.value == "diverged", (t, seen[t].words)
    assert seen[down].status.value == "not_learning", (down, seen[down].words)
    assert _changes(seen, peak)[0] == (down, "not_learning"), _changes(seen, peak)
    # after it, never diverged again (the losses stay under the line)
    assert all(r.status.value != "diverged" for t, r in seen.items() if t >= down)


def test_a_plateau_coming_down_slowly_through_the_line_changes_status_once():
    rng = random.Random(3)
    # thrown to 30,000 at step 301, 800 steps on a plateau near 100 x chance, then a slow descent through the line
    plateau = [math.exp(rng.gauss(math.log(100 * CHANCE), 0.6)) for _ in range(800)]
    descent = [math.exp(rng.gauss(math.log(100 * CHANCE) - 3.5 * k / 600, 0.6)) for k in range(600)]
    losses = LEARNED[:300] + [30_000.0] + plateau + descent
    under = sum(v <= LINE for v in plateau)
    assert under > 20  # the premise: single batches under the line all along the plateau (each flipped the status)
    down = _came_down(losses, 301)
    assert down > 1101, down  # the median came down during the descent
    for every in (1, 5):
        seen = _readings(losses, every)
        changes = _changes(seen, 301)
        assert len(changes) == 1 and changes[0][1] == "not_learning", (every, changes)
        assert down <= changes[0][0] < down + every, (every, changes, down)


def test_the_range_since_the_blow_up_is_said_of_the_losses_it_covers():
    rng = random.Random(4)
    plateau = [math.exp(rng.uniform(math.log(200), math.log(2_000))) for _ in range(300)]
    losses = LEARNED[:300] + [40_000.0] + plateau
    seen = _readings(losses, every=1)
    last = seen[len(losses)].words
    m = re.search(r"its sampled losses from training step ([\d,]+) on \((\d+) sampled steps\) have been between "
                  r"(\S+) and ([^;\s]+)", last)
    assert m, last
    first, n = int(m.group(1).replace(",", "")), int(m.group(2))
    held = losses[first - 1:]
    assert first + n - 1 == len(losses) and (m.group(3), m.group(4)) == (f"{min(held):.3g}", f"{max(held):.3g}")
    assert first > 302  # the latest held: not every loss since the peak, which the words no longer say they are
    # just after the peak, the losses held reach back to it
    early = seen[305].words
    assert f"its sampled losses from training step 302 on (4 sampled steps) have been between " \
           f"{min(losses[301:305]):.3g} and {max(losses[301:305]):.3g}" in early, early
