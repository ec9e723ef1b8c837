"""W83 walkthrough finding 4: a CNN's weights scaled to 0.01 of PyTorch's default left its biases to decide which
units are on; the channels with a bias below 0 were dead from before the first update (the monitor's dead units, index
for index), and the remedy said 'a smaller learning rate keeps units from being pushed there'. A layer whose dead units
(nine in ten or more) were off on every sampled batch from the run's first sampled step is now sent to its biases and
the weights before it, with no word of the learning rate; units that were on and then stopped keep it. References:
the test's own forward hook (which units were ever on, at every step)."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(every, kill_at: int | None):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    with torch.no_grad():
        if kill_at is None:  # weights scaled far down: the biases decide, 40 of them below 0
            model[0].weight.mul_(0.01)
            model[0].bias[:40] = -0.5
            model[0].bias[40:] = 0.2
    x = torch.randn(512, 8)
    y = (x[:, :4] + 0.3 * x[:, 4:]).argmax(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    on = []
    model[1].register_forward_hook(lambda m, i, o: on.append((o > 0).any(0)))
    with Monitor(model, every=every, chance_loss=math.log(4)) as mon:
        for t in range(400):
            if t == kill_at:  # 40 units pushed off mid-run (as one large update would)
                with torch.no_grad():
                    model[0].bias[:40] = -8.0
            idx = torch.randint(0, 512, (64,), generator=torch.Generator().manual_seed(t))
            monitored_step(mon, model, x[idx], y[idx], opt)
        return mon.report(), torch.stack(on)


@pytest.mark.parametrize("every", [1, "auto"])
def test_units_dead_from_the_start_are_sent_to_the_biases_not_the_learning_rate(every):
    report, on = _run(every, None)
    never = int((~on.any(0)).sum())
    assert never == 40 and report.layers[0].dead == never  # the premise, and the count against it
    remedy = report.reading.remedy
    since = ("from the first training step on, before any update changed a weight, so the initialisation put them "
             "there" if every == 1 else "from training step 4, the first sampled, on, and the loss did not blow up "
             "before it, so the initialisation most likely put them there")
    assert f"Every one of the dead units was off on every sampled batch {since}" in remedy, remedy
    assert "check the biases of that layer and the weights before it (a bias far below what the weights give a unit " \
           "keeps it off on every input; weights scaled far down leave the biases to decide which units are on)" \
        in remedy
    assert "learning rate" not in remedy


def test_units_that_were_on_and_stopped_keep_the_learning_rate():
    report, on = _run(5, 150)
    assert bool(on[:150, :40].any(0).all()) and not bool(on[150:, :40].any())  # the premise: on, then off for good
    assert report.layers[0].dead >= 40
    remedy = report.reading.remedy
    assert report.status == "dead_layer" and remedy.startswith("Lower the learning rate"), remedy
    assert "off on every sampled batch from" not in remedy
