"""Walkthrough W27 (helper, findings 2 and 4): (2) units killed at step 301 under every="auto", sampled at steps 262
and 312, were said to be 'first off on training step 312' and the remedy named 'a checkpoint saved before step 312',
which holds the dead units; the checkpoint must come before the last sampled step they were on. (4) A layer whose
units all ended dead, most of them mid-run, read 'dying layer: 30 of 32 ... the layer works with the units left'.
References: the kill's own step and the sampled steps around it; a direct count of units off on every batch."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(every: int, kill: int, killed: slice, steps: int, never: slice | None = None):
    """A 3-class ReLU MLP; before training step ``kill`` (1-based) the ``killed`` units of module '3' get a bias of
    -100; ``never`` units are off from the start. The reports of the sampled steps, by training step."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))
    if never is not None:
        with torch.no_grad():
            model[2].bias[never] = -100.0
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x = torch.randn(1024, 20)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    mon = Monitor(model, every=every, chance_loss=math.log(3))
    seen = {}
    for step in range(1, steps + 1):
        if step == kill:
            with torch.no_grad():
                model[2].bias[killed] = -100.0
        i = torch.randint(0, 1024, (64,))
        before = mon.sampled_steps
        monitored_step(mon, model, x[i], y[i], opt)
        if mon.sampled_steps > before:
            seen[step] = mon.report()
    return seen


def test_the_checkpoint_comes_before_the_last_sampled_step_the_units_were_on():
    every, kill = 10, 106  # sampled steps 101 (units on) and 111 (off): the kill lies between
    seen = _run(every, kill, slice(0, 20), 200)
    sampled = sorted(seen)
    on, off = max(s for s in sampled if s < kill), min(s for s in sampled if s >= kill)
    assert (on, off) == (101, 111)
    dying = [r for s, r in seen.items() if "dying layer" in r.reading.words]
    assert dying, [r.reading.words for r in seen.values()][-1]
    for r in dying:
        words, remedy = r.reading.words, r.reading.remedy
        assert (f"off on every sampled batch from training step {off} on; on at training step {on}, the sampled step "
                "before") in words, words
        # (the units were killed before the loss came down: the step is named as one whose checkpoint holds next to
        # none of the learning, W53 finding 6)
        assert re.search(rf"a checkpoint saved before training step {on}(\.$| holds next to none)", remedy), remedy
        if "gone silent" in words and r.layers[1].dead == 0:  # off for fewer sampled batches than a unit needs to
            # count as dead (W29)
            assert r.layers[1].silent >= 16, words
            continue
        # the units neither dead nor gone silent (a unit on before and off on the latest 7 sampled batches is silent,
        # not dead, where its rate before does not put that beyond doubt: W33)
        left = 32 - r.layers[1].dead - r.layers[1].silent
        assert f"the layer works with the {left} unit{'' if left == 1 else 's'} left on its sampled batches" in words, \
            words


def test_a_layer_that_ended_all_dead_is_not_said_to_work_with_the_units_left():
    seen = _run(1, 101, slice(2, 32), 120, never=slice(0, 2))
    r = seen[120]
    assert r.layers[1].dead == 32
    said = str(r)  # the headline and every other finding ('also: ...')
    assert "units left" not in said and "dying layer" not in said, said
    assert r.status.value in ("dead_layer", "no_gradient"), r.reading.words
