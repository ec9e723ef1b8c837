"""Issue 17 (W51 walkthrough, finding 2): after a blow-up, a regression head's Tanh layer had every unit saturated and
passed no gradient to 'reg.0.weight' on 607 of 800 steps, and the reading said 'healthy: gradients reach every layer
('trunk.0.weight' gets 0.089 of the output layer's)' for 795 readings, beside the layer's row saying 'no gradient
reaches 'reg.0.weight''; nor did it say that the mean loss had gone from 0.391 to 0.76 after the blow-up. A layer
off the first layer's path whose units are all off on 3 or more of the latest 9 sampled batches now reads
`vanishing`, named with its count of batches, and a rise after a blow-up is said. References: the script's own
gradients and derivatives per step, and its own losses."""

from __future__ import annotations

import math
import re
import statistics

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._scripted_losses import scripted_run  # noqa: E402
from interop._tanh_heads import TanhHeads  # noqa: E402


def _run(saturate_at=300, steps=400):
    """Adam on both heads; at ``saturate_at`` the regression head's hidden layer is given a bias of +40, which puts
    every Tanh unit where its derivative is 0 in float32. Per step: the reading, whether every unit's tanh' was under
    1% of its peak on the batch, and 'reg.0.weight''s gradient norm."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4096, 10, generator=g)
    yc = (x @ torch.randn(10, 4, generator=g)).argmax(1)
    yr = torch.sin(2 * x[:, 0])
    torch.manual_seed(0)
    model = TanhHeads()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    seen, off, grad = {}, {}, {}
    with Monitor(model, every=1, log=None, chance_loss=math.log(4) + float(yr.var())) as mon:
        for step in range(1, steps + 1):
            if step == saturate_at:
                with torch.no_grad():
                    model.reg[0].bias.fill_(40.0)
            i = torch.randint(0, 4096, (64,), generator=g)
            with mon.step() as s:
                c, r = model(x[i])
                loss = nn.functional.cross_entropy(c, yc[i]) + nn.functional.mse_loss(r, yr[i])
                loss.backward()
                s.loss = loss
            with torch.no_grad():
                z = model.reg[0](model.trunk(x[i]))
                off[step] = bool(((1 - torch.tanh(z) ** 2).mean(0) < 0.01).all())
            grad[step] = float(model.reg[0].weight.grad.norm())
            opt.step()
            opt.zero_grad()
            seen[step] = mon.report().reading
    return seen, off, grad


def test_a_head_layer_with_every_unit_saturated_reads_vanishing_with_its_count_of_batches():
    seen, off, grad = _run()
    assert all(off[t] and grad[t] == 0 for t in range(300, 401)) and not any(off[t] for t in range(1, 300))
    for t in range(20, 300):  # before: nothing of the sort
        assert "off the path" not in seen[t].words, (t, seen[t].words)
    for t in range(302, 401):  # from the third batch off on, every step: no reading that comes and goes
        r = seen[t]
        n = min(t - 299, 9)
        assert r.status is Status.VANISHING, (t, r.words)
        assert r.words.startswith(f"vanishing at a layer off the path to 'trunk.0.weight': every unit of module "
                                  f"'reg.1' (Tanh) was saturated on {n} of the latest 9 sampled batches, so nothing "
                                  "passes back through it, and 'reg.0.weight' gets under 1.0e-3 of the output layer's "
                                  "gradient on those batches (on this one: none), while 'trunk.0.weight' gets"), \
            (t, r.words)
        assert "gradients reach every layer" not in r.words
    # the bias was written by hand between updates, and the loss moved with it: that write leads the remedy (W102
    # walkthrough finding 3), where an update's saturation would have read 'Use ReLU, GELU or SiLU instead of tanh'
    assert seen[400].remedy.startswith("The weights of 'reg.0' were written between optimiser steps (by "
                                       "load_state_dict, reset_parameters() or a copy by hand) before the update of "
                                       "training step 300"), seen[400].remedy


def test_a_layer_saturated_on_two_of_nine_batches_is_not_read_as_stopped():
    seen, off, _ = _run(saturate_at=399, steps=400)
    assert off[399] and off[400] and not off[398]  # the premise: two batches
    assert seen[400].status is not Status.VANISHING and "off the path" not in seen[400].words, seen[400].words


LEARNED = [1.4 - 0.0018 * k for k in range(500)]  # to 0.5


def test_a_mean_risen_after_a_blow_up_is_said_beside_a_healthy_reading():
    # learned to 0.5, one update blew the loss up to 3,000, and it settled near 0.95: 1.9 times its low, below chance
    back = [0.95 + 0.05 * math.sin(k) for k in range(120)]
    losses = LEARNED + [3000.0] + back
    r = scripted_run(losses, math.log(4))[-1].reading
    low = min(statistics.fmean(losses[t - 50:t]) for t in range(50, 501))
    assert r.status is Status.HEALTHY, r.words
    m = re.search(r"the mean loss has risen from (\S+) at training step ([\d,]+) \(a sampled one\) to (\S+), beyond "
                  r"the noise of its batches, after the loss blew up to 3e\+03 at training step 501", r.words)
    assert m, r.words
    now = statistics.fmean(back[-50:])
    assert float(m.group(1)) == float(f"{low:.3g}") and float(m.group(3)) == float(f"{now:.3g}"), (low, now)
