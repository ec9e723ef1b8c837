"""Issue 17, W37 walkthrough finding 6: units on in most of their sampled batches and then off on each of the last 5
read '... off on every point of each of the last 5 sampled batches: counted dead if they stay off, after 5 sampled
batches at the earliest', which contradicts itself: off that long already, they are held out of the dead count by the
odds of their silence at the rate they were on before. The reference: the units' outputs, counted by a forward hook
of the test's own."""

import math
import random

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop._monitor_base import DEAD_EVIDENCE, DEAD_ODDS  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_units_off_past_the_evidence_but_not_at_dead_odds_say_why_they_are_not_counted():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    rnd = random.Random(1)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(1.0)
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    off_from = 40
    said = []
    for step in range(1, off_from + 12):
        with torch.no_grad():  # units 0 and 1: on in about 70% of the batches, then off for good
            model[0].bias[:2] = -1.0 if step >= off_from or rnd.random() > 0.7 else 1.0
        monitored_step(mon, model, torch.randn(32, 4, generator=gen), torch.randint(0, 3, (32,), generator=gen))
        model.zero_grad()
        seen = torch.stack(on)
        off = int((~seen[:, 0]).flip(0).cumprod(0).sum())  # the latest steps unit 0 was off on, in a row
        row = mon.report().layers[0]
        if row.silent and off >= DEAD_EVIDENCE:
            said.append((step, off, row))
    assert said  # the premise: silent units past DEAD_EVIDENCE batches, not counted dead
    for step, off, row in said:
        assert row.dead == 0, (step, row)
        assert f"each of the last {off} sampled batches: not yet counted dead, since at the rate they were on before" \
            in row.words, (step, row.words)
        assert f"(dead needs odds under 1 in {1 / DEAD_ODDS:,.0f})" in row.words
        assert "at the earliest" not in row.words, (step, row.words)
