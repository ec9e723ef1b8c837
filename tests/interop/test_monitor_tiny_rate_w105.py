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


NO_VERDICT = "No verdict yet: a loss at chance is read as not learning after 1,000 updates, and "


def test_before_the_verdict_a_loss_pinned_at_chance_gets_its_remedy_as_no_verdict_yet():
    """W105 walkthrough finding 10: a run of 500 updates at chance read 'starting ... the reading waits' with no
    remedy to its end. From 200 updates on, a loss pinned at chance gets the remedy it would get at 1,000, said as no
    verdict yet: the tiny rate first where it is one, the targets first where the rate is usual."""
    r, moved = _run(1e-7, shuffled=False, steps=300)
    assert moved < 1e-3 and r.status == "starting", r.words  # the premise: nothing moved, and no verdict
    # (the report is of the latest sampled step, 291: every=10)
    assert r.remedy.startswith(f"{NO_VERDICT}291 have run. If it stays there: the learning rate is 1e-07 at every "
                               "optimiser step read, too small to move the weights"), r.remedy
    r, _ = _run(1e-3, shuffled=True, steps=300)
    assert r.status == "starting", r.words
    assert r.remedy.startswith(f"{NO_VERDICT}291 have run. If it stays there: a loss still at chance (within 10% of "
                               "it) after 291 updates, while the gradients flow, often means targets that do not "
                               "follow their inputs"), r.remedy


def test_no_such_remedy_before_200_updates_nor_for_a_run_that_learns():
    r, _ = _run(1e-7, shuffled=False, steps=150)
    assert r.status == "starting" and not r.remedy.startswith("No verdict yet"), (r.words, r.remedy)
    r, _ = _run(1e-3, shuffled=False, steps=300)
    assert r.status == "healthy" and "No verdict yet" not in r.remedy, (r.words, r.remedy)
