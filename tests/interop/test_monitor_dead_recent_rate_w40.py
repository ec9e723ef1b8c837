"""Issue 17, W40 walkthrough findings 3 and 4.

3: a unit on in every batch of an 1,100-step plateau (lr 1e-7), then in about half of them once the learning rate
was raised, was counted dead after 10 sampled batches off: the rate it was on at before, weighed over the window's
100 batches, still read about 91%, at which 10 misses have odds of 1 in 10^10; at its recent rate they are 1 in
1,000. The rate a silence is judged against is now the lower of the window's and the latest batches'.

4: a layer counted wholly dead from sampled batches read 'no weight matrix gets a gradient to learn from' while one
of its units fired on 8 of the steps between samples; the words now say the steps between were not read.

References: the units' outputs counted by the test's own forward hook, and the odds computed here from the on-pattern
the test itself set."""

from __future__ import annotations

import math
import re

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop._monitor_base import DEAD_ODDS  # noqa: E402
from actlab.readings import LayerSummary, RunSummary, Status, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_unit_whose_rate_fell_is_judged_at_its_recent_rate():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append(bool((o[:, 0] > 0).any())))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(1.0)
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    plateau, half, silence = 150, 24, 12
    counted = []
    for step in range(1, plateau + half + silence + 1):
        # unit 0: on in every batch, then in every other one, then off for `silence` batches
        on_now = step <= plateau or (step <= plateau + half and step % 2 == 0)
        with torch.no_grad():
            model[0].bias[0] = 1.0 if on_now else -1.0
        monitored_step(mon, model, torch.randn(32, 4, generator=gen), torch.randint(0, 3, (32,), generator=gen))
        model.zero_grad()
        counted.append(mon.report().layers[0].dead)
    assert on[:plateau] == [True] * plateau and sum(on[plateau:plateau + half]) == half // 2  # the premise
    assert on[-silence:] == [False] * silence
    # at the rate of its latest batches (a half), 12 misses in a row happen 1 time in 4,096: no grounds to call it dead
    assert 0.5 ** silence > DEAD_ODDS
    assert counted[-1] == 0, counted[-silence:]
    # it is said to have gone silent, at the rate of its latest batches (about a half), not of the plateau
    words = mon.report().layers[0].words
    assert f"off on every point of each of the last {silence} sampled batches" in words, words
    # weighed over the window (100 batches) the rate would read about 90% (the last 24 batches weigh 1 - 0.99 ** 24
    # = 21% of it, at a half; the plateau the rest); over the latest batches it is between the half and that
    stated = int(re.search(r"was on in about (\d+)% of its sampled batches before", words).group(1))
    assert 50 <= stated <= 75, words


def test_killed_units_still_read_dead_within_a_few_batches():
    # on in every batch, then off for good: at any rate near 1 the silence is past the odds after 5 batches
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        model[0].weight.zero_()
        model[0].bias.fill_(1.0)
    mon = Monitor(model, every=1, chance_loss=math.log(3))
    for step in range(1, 161):
        with torch.no_grad():
            model[0].bias[:3] = 1.0 if step <= 150 else -1.0
        monitored_step(mon, model, torch.randn(32, 4, generator=gen), torch.randint(0, 3, (32,), generator=gen))
        model.zero_grad()
    assert mon.report().layers[0].dead == 3, mon.report().layers[0].words


def _all_dead(**kw):
    layers = (LayerSummary("relu", 64, 0.0, dead=64, label="module '1' (ReLU)", weights="'0.weight'"),)
    return diagnose(RunSummary(layers, 0.0, loss=2.4, chance_loss=2.3, steps=1691, recent_losses=(2.4,) * 10,
                               loss_batches=10, gradients_of="the batch of training step 1,691 (a sampled one)", **kw))


def test_no_gradient_from_sampled_batches_says_the_steps_between_were_not_read():
    r = _all_dead(dead_unsampled=36)
    assert r.status is Status.NO_GRADIENT
    assert ("no weight matrix gets a gradient to learn from on the sampled batches (36 training steps between them "
            "were not read: a unit that fires on one of them gives its weights a little gradient)") in r.words, r.words
    # over a run of zero batches: the steps between them, from the first
    r = _all_dead(dead_unsampled=36, zero_gradient_batches=16, zero_gradient_from=1651)
    assert "(on each of the last 16 sampled batches (from training step 1,651)" in r.words.replace(", on", " (on")
    assert f"({1691 - 1651 + 1 - 16:,} training steps between them were not read" in r.words, r.words
    # every step read (every=1): nothing to hedge
    assert "were not read" not in _all_dead().words
