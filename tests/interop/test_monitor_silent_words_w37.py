"""Issue 17, W37 walkthrough finding 6: units on in most of their sampled batches and then off on each of the last 5
read '... off on every point of each of the last 5 sampled batches: counted dead if they stay off, after 5 sampled
batches at the earliest', which contradicts itself: off that long already, they are held out of the dead count by the
odds of their silence at the rate they were on before. The reference: the units' outputs, counted by a forward hook
of the test's own."""

import math
import random
import re

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
    # the share of their batches they were on in before, as the words give it, against the test's own (W38: 'on in
    # most of its sampled batches' of a unit on in 11%); the monitor weighs the latest batches a little more
    own = float(torch.stack(on)[:off_from - 1, :2].float().mean(0).min())
    stated = re.search(r"were on in (\d+)% or more of their sampled batches before", said[-1][2].words)
    assert stated and abs(int(stated.group(1)) / 100 - own) < 0.1, (own, said[-1][2].words)
    for step, off, row in said:
        assert row.dead == 0, (step, row)
        assert f"each of the last {off} sampled batches: not yet counted dead, since at the rate they were on before" \
            in row.words, (step, row.words)
        assert f"(dead needs odds under 1 in {1 / DEAD_ODDS:,.0f})" in row.words
        assert "at the earliest" not in row.words, (step, row.words)


def test_units_counted_dead_from_samples_say_that_steps_between_went_unseen():
    """W37 walkthrough finding 3: every="auto" sampling every 50th step counted 50 units dead over 12 sampled batches;
    11 of them fired on 0.5-24% of the steps between. Here one unit is on only on steps the monitor does not sample
    (every 10th step is sampled; it fires on every 10th step, five after each): counted dead from the samples, as
    its definition says, and the words say how rarely a unit may fire and still be missed."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(1.0)
    mon = Monitor(model, every=10, chance_loss=math.log(3))
    sampled = set()
    for step in range(1, 301):
        with torch.no_grad():
            model[0].bias[0] = 1.0 if step % 10 == 5 else -1.0
        monitored_step(mon, model, torch.randn(32, 4, generator=gen), torch.randint(0, 3, (32,), generator=gen))
        model.zero_grad()
        sampled.add(mon.report().step)
    seen = torch.stack(on)
    assert not any(bool(seen[t - 1, 0]) for t in sampled) and int(seen[:, 0].sum()) == 30  # the premise
    row = mon.report().layers[0]
    assert row.dead == 1, row
    steps = sorted(sampled)[-row.window:]
    spanned = steps[-1] - steps[0] + 1
    rate = 1 - 0.05 ** (1 / row.window)
    assert (f"1 of 8 units in module '1' (ReLU) is dead over the last {row.window} sampled batches (of the "
            f"{spanned:,} training steps those batches span, {row.window} were sampled: a unit on in {rate:.0%} of "
            f"batches misses all {row.window} 1 time in 20, so some counted dead may fire between samples)") \
        in row.words, row.words
    every = Monitor(model, every=1, chance_loss=math.log(3))  # sampling every step: nothing unseen, nothing said
    for _ in range(10):
        monitored_step(every, model, torch.randn(32, 4, generator=gen), torch.randint(0, 3, (32,), generator=gen))
        model.zero_grad()
    last = every.report().layers[0]
    assert last.dead == 1 and "fire between samples" not in last.words, last.words
