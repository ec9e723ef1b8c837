"""Walkthrough W26, finding 3: under every="auto" a run's losses went 1.35, 0.72, 488, 176,217 and the first sampled
step (the 4th) read 'starting: ... the loss is 32,000 times chance, above where a run begins': with one sampled loss
there was no climb to see. While fewer than 3 steps were sampled, the recent losses climbs are read from are the
latest training steps' own, held one a step. The references are the script's own losses."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

CHANCE = math.log(4)


def _run(losses, every="auto"):
    """A small model stepped under Monitor(every=...), each step's s.loss the next of ``losses``; the (step, status,
    words) of each sampled step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 4))
    mon = Monitor(model, every=every, chance_loss=CHANCE)
    x = torch.randn(32, 4)
    seen = []
    for i, v in enumerate(losses):
        before = mon.sampled_steps
        with mon.step() as s:
            model(x).square().mean().backward()
            s.loss = torch.tensor(v)
        model.zero_grad()
        if mon.sampled_steps > before:
            r = mon.report()
            seen.append((i + 1, r.status, r.reading.words))
    return seen


def test_a_blow_up_before_the_first_sampled_step_reads_diverging():
    losses = [1.35, 0.72, 487.8, 176217.27]
    (step, status, words), = _run(losses)
    assert step == 4  # every="auto" samples its first step after two untimed ones and an unsampled one
    assert status is Status.DIVERGED, words
    latest, low = losses[-1], min(losses[:2])
    times = f"{round(latest / CHANCE, -4):,.0f}"  # 127,115 to two figures: 130,000
    assert words.startswith(f"diverging: the loss has grown to {latest:.3g}, {times} times chance ({CHANCE:.3g})"), \
        words
    assert f"rose from {low:.3g} at step {losses.index(low) + 1} to it" in words, words


def test_a_falling_loss_before_the_first_sampled_step_reads_no_climb():
    (step, status, words), = _run([1.40, 1.36, 1.30, 1.25])
    assert step == 4 and status is Status.STARTING, words
    assert "risen" not in words and "grown" not in words and "diverg" not in words, words


def test_every_step_sampled_reads_as_before():
    """Under every=1 the sampled losses are every step's: they are read as sampled ones, named so."""
    seen = _run([1.35, 0.72, 487.8, 176217.27], every=1)
    step, status, words = seen[-1]
    assert status is Status.DIVERGED and "(a sampled one)" in words, words
