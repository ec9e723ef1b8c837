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
    assert "earlier, the loss blew up" not in words  # it is blowing up now: the diverging finding says so


def test_a_falling_loss_before_the_first_sampled_step_reads_no_climb():
    (step, status, words), = _run([1.40, 1.36, 1.30, 1.25])
    assert step == 4 and status is Status.STARTING, words
    assert "risen" not in words and "grown" not in words and "diverg" not in words, words


def test_every_step_sampled_reads_as_before():
    """Under every=1 the sampled losses are every step's: they are read as sampled ones, named so."""
    seen = _run([1.35, 0.72, 487.8, 176217.27], every=1)
    step, status, words = seen[-1]
    assert status is Status.DIVERGED and "(a sampled one)" in words, words


def test_a_run_that_blew_up_and_came_back_with_a_dead_layer_says_so():
    """The second part of finding 3: SGD with momentum at lr 5 takes the loss past 1e5 within a few steps and back
    near chance, with a ReLU layer left dead; the reading that follows (a dead layer, no gradient) now recalls the
    blow-up, by the script's own highest loss and its step, and its remedy leads with the learning rate."""
    torch.manual_seed(1)
    classes, n = 4, 2000
    centres = torch.randn(classes, 8) * 2
    y = torch.randint(0, classes, (n,))
    x = centres[y] + torch.randn(n, 8)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, classes))
    opt = torch.optim.SGD(model.parameters(), lr=5.0, momentum=0.9)
    chance = math.log(classes)
    mon = Monitor(model, every="auto", chance_loss=chance)
    losses = []
    for _ in range(120):
        b = torch.randint(0, n, (64,))
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x[b]), y[b])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert all(math.isfinite(v) for v in losses)
    peak = max(losses)
    assert peak > 1e3 * chance and losses[-1] < 10 * chance  # it blew up and came back
    r = mon.report().reading
    head = r.findings[0]
    assert head.status in (Status.NO_GRADIENT, Status.DEAD_LAYER, Status.VANISHING), r.words
    assert (f"earlier, the loss blew up to {peak:.3g} at training step {losses.index(peak) + 1:,} "
            f"({float(f'{peak / chance:.2g}'):,.0f} times chance)") in head.words, head.words
    said = (f"Lower the learning rate (it is 5 now; a tenth, 0.5, is a good first try): the loss blew up to {peak:.3g} "
            f"at training step {losses.index(peak) + 1:,}.")
    assert head.remedy.startswith(said), head.remedy


def test_a_run_that_never_blew_up_recalls_nothing():
    seen = _run([1.40, 1.36, 1.30, 1.25, 1.2, 1.1, 1.0, 0.9] * 3)
    assert all("blew up" not in words for _, _, words in seen)
