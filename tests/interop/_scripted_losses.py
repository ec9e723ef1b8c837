"""Runs whose losses a test writes: a small model monitored on every step, each step's s.loss the next of a list, so
that the readings can be checked against the list itself (its means, its steps). Shared by the half-way and the rise
tests (issue 17, W32 and W34 walkthroughs)."""

from __future__ import annotations

import math
import random

import torch
from torch import nn
from torch.nn import functional as F

from actlab.torch import Monitor

CHANCE = math.log(10)


def levels(spans, seed=0, cv=0.1) -> list[float]:
    """Log-normal losses around each (level, steps) of ``spans`` in turn, with coefficient of variation about cv."""
    rnd = random.Random(seed)
    return [level * math.exp(cv * rnd.gauss(0, 1)) for level, n in spans for _ in range(n)]


def cross_entropy_of(v: float):
    """A cross-entropy whose value is v > 0, with a graph the monitor reads as one (the loss's kind: a classifier's):
    logits [0, a, ..., a] over 10 classes against class 0 give log(1 + 9 e^a)."""
    a = math.log(math.expm1(v) / 9)
    logits = torch.tensor([[0.0] + [a] * 9], dtype=torch.float64, requires_grad=True)
    return F.cross_entropy(logits, torch.tensor([0]))


def scripted_run(losses, chance: float = CHANCE, held_out: dict[int, float] | None = None,
                 rates: list[float] | None = None, cross_entropy: bool = False) -> list:
    """A small model under Monitor(every=1, chance_loss=chance), stepped by SGD, each step's s.loss the next of
    ``losses``: every step's report. ``held_out``: training step -> a held-out loss given after that step; ``rates``:
    the learning rate of each step's update (1e-3 throughout where not given); ``cross_entropy``: each loss given as
    a cross-entropy of that value (cross_entropy_of), so that the run reads as a classifier's."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 10))
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=1, chance_loss=chance)
    seen = []
    for i, v in enumerate(losses):
        if rates is not None:
            opt.param_groups[0]["lr"] = rates[i]
        with mon.step() as s:  # (a batch of its own each step: one batch repeated is a finding of its own)
            model(torch.randn(32, 4)).square().mean().backward()
            s.loss = cross_entropy_of(v) if cross_entropy else torch.tensor(v, dtype=torch.float64)
        opt.step()
        opt.zero_grad()
        if held_out and len(seen) + 1 in held_out:
            mon.held_out(held_out[len(seen) + 1])
        seen.append(mon.report())
    return seen
