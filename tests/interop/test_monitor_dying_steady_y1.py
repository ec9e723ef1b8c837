"""A dying layer's reading holds still while its units stay off (issue 17, W30 walkthrough findings 1 and 2): a
learning rate of 3 on steps 201-203 killed 31 of 64 units, and under every=10 the reading's date moved to each new
sample ('first off on training step 262', then 312) as one or two borderline units flickered, the checkpoint it named
moving with it, and the status went between 'dead_layer' and 'healthy' as the count crossed half the layer. The words
now name the step most units went off on, and a layer that read dying keeps reading so while half that share is off.
References: a forward hook's record of each unit, step by step."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _lr_step():
    torch.manual_seed(0)
    x = torch.randn(2048, 10)
    y = (x @ torch.randn(10, 3) + 0.3 * torch.randn(2048, 3)).argmax(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    on = []
    model[3].register_forward_hook(lambda m, i, o: on.append((o.detach() > 0).any(0)))
    seen = {}
    with Monitor(model, every=10, chance_loss=math.log(3)) as mon:
        for t in range(400):
            for g in opt.param_groups:
                g["lr"] = 3.0 if 200 <= t < 203 else 0.05
            i = torch.randint(0, 2048, (64,))
            before = mon.sampled_steps
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            if mon.sampled_steps > before:
                seen[t + 1] = mon.report()
            opt.step()
            opt.zero_grad()
    return seen, torch.stack(on)


def test_the_reading_and_its_date_hold_while_the_units_stay_off():
    seen, on = _lr_step()
    gone = ~on[203:].any(0)  # off on every step from step 204 (1-based) to the end: the killed units
    assert 28 <= int(gone.sum()) < 32  # the premise: just under half the layer, so a count that wavers crosses it
    # the sampled step after the one each of them was last on, by the hook's own record (every=10 samples 1, 11, ...)
    last_on = [max(t for t in range(1, 401, 10) if on[t - 1][u]) for u in torch.nonzero(gone).flatten().tolist()]
    assert set(last_on) == {201}
    dying = sorted(t for t, r in seen.items() if r.status == "dead_layer")
    assert dying and dying[0] <= 231, dying
    for t in (t for t in seen if t >= dying[0]):
        r = seen[t]
        assert r.status == "dead_layer", (t, r.reading.words)
        assert ("off on every sampled batch from training step 211 on; on at training step 201, the sampled step "
                "before") in r.reading.words, (t, r.reading.words)
        assert r.reading.remedy.endswith("a checkpoint saved before training step 201."), (t, r.reading.remedy)
