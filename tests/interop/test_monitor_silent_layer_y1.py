"""Most of a layer gone silent reads 'dying layer' before its units count as dead (issue 17, W29 walkthrough finding
1): sampled every 50 steps (every="auto"'s longest interval), 40 of 64 units killed at step 200 read 'healthy' up to
step 362, since a unit counts as dead after 5 sampled batches off. References: a forward hook's own record of which
units were on in each step's batch, and the same run without the kill, which never reads so."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(kill: bool, log=None):
    torch.manual_seed(0)
    x = torch.randn(2048, 10)
    y = (x @ torch.randn(10, 3)).argmax(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    on = []
    model[3].register_forward_hook(lambda m, i, o: on.append((o.detach() > 0).any(0)))
    mon = Monitor(model, every=50, chance_loss=math.log(3), log=log)  # samples steps 1, 51, ..., 201, 251, ...
    seen = {}
    for step in range(1, 401):
        if kill and step == 200:
            with torch.no_grad():
                model[2].bias[:40] -= 50.0
        i = torch.randint(0, 2048, (64,))
        before = mon.sampled_steps
        monitored_step(mon, model, x[i], y[i], opt)
        if mon.sampled_steps > before:
            seen[step] = mon.report()
    return seen, torch.stack(on)


def test_a_layer_gone_silent_reads_dying_and_is_dated():
    seen, on = _run(kill=True)
    off = int((~on[199:].any(0)).sum())  # units off on every step since the kill
    assert off >= 39
    for step, r in seen.items():
        row = r.layers[1]
        if step < 200:
            assert r.status != "dead_layer", (step, r.reading.words)
        elif row.dead < 32:  # not yet counted dead: the silent ones make the reading, half the layer or more
            assert (r.status == "dead_layer") == (row.silent >= 32), (step, r.reading.words)
            if row.silent < 32:
                continue
            words = r.reading.words
            assert (f"dying layer: {row.silent} of 64 units of module '3' (ReLU) were active earlier in the run and "
                    "have been off on every point of") in words, words
            assert ("off on every sampled batch from training step 201 on; on at training step 151, the sampled step "
                    "before") in words, words
            assert r.reading.remedy.endswith("a checkpoint saved before training step 151."), r.reading.remedy
            assert row.silent <= off
    # said before the units count as dead: a unit on in 4 of the 4 sampled batches before (0.9 by the rule's
    # estimate) has odds of 0.1 per off batch and is silent after 3 (odds under 0.01), at step 301; dead after 5
    early = [t for t, r in seen.items() if r.status == "dead_layer" and r.layers[1].dead < 32]
    assert early and min(early) == 301, early
    # and within this run they never count as dead (4 sampled batches off, 201 to 351): it read 'healthy' to its end
    assert all(r.layers[1].dead < 32 for r in seen.values())


def test_the_same_run_without_the_kill_never_reads_dying():
    seen, _ = _run(kill=False)
    assert all(r.status != "dead_layer" for r in seen.values()), [r.reading.words for r in seen.values()]
