"""Issue 17, W105 walkthrough finding 3: Adam at a learning rate of 1e-7 read 'not learning' after 1,000 updates with
a remedy that began 'A loss still at chance ... often means targets that do not follow their inputs: check that each
batch's targets are its own inputs'', the rate never quoted (the held-out loss went from 1.3894 to 1.3885 over 1,260
steps); shuffled labels at a usual rate read the same remedy. A rate too small to move the weights now leads the
remedy, with its value. References: the script's own weights before and after, and its optimiser's rate."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import batch_at, monitored_step, separable  # noqa: E402


def _run(lr: float, shuffled: bool, steps: int = 1100):
    x, y = separable()
    if shuffled:
        y = y[torch.randperm(4096, generator=torch.Generator().manual_seed(1))]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Adam(model.parameters(), lr)
    with Monitor(model, every=10, chance_loss=math.log(4)) as mon:
        for t in range(steps):
            monitored_step(mon, model, x[batch_at(t)], y[batch_at(t)], opt)
    moved = max(float((p.detach() - b).abs().max()) for p, b in zip(model.parameters(), before, strict=True))
    return mon.report().reading, moved


def test_a_rate_too_small_to_move_the_weights_leads_the_remedy():
    r, moved = _run(1e-7, shuffled=False)
    assert moved < 1e-3  # the premise: 1,100 updates moved no weight by a thousandth
    assert r.status == "not_learning", r.words
    assert r.remedy.startswith("The learning rate is 1e-07 at every optimiser step read, too small to move the "
                               "weights"), r.remedy
    assert "check that each batch's targets are its own inputs'" in r.remedy  # still there, after it


def test_shuffled_labels_at_a_usual_rate_keep_the_targets_first():
    r, moved = _run(1e-3, shuffled=True)
    assert moved > 0.05
    if r.status == "not_learning":
        assert "too small to move" not in r.remedy, r.remedy
    assert "too small to move" not in " ".join([r.remedy, *(f.remedy for f in r.others)])
