"""Issue 17 (W15 finding 6): with sampled steps far apart, an optimiser whose learning rate is 0 is found within a
few sampled steps, not after ten of them.

W15's run (every="auto", which chose every=50) read 'starting' at step 400 with lr=0: the values were compared
every 10th sampled step, 500 training steps apart. Now a sampled step VALUE_STEPS or more after the last comparison
compares them too. The references: copies of the weights (torch.equal), and a run that learns, which is never read
as still."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _monitor_weights  # noqa: E402
from actlab.interop.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def run(lr, steps, every):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    first = [p.detach().clone() for p in model.parameters()]
    found_at, statuses = None, []
    with Monitor(model, every=every, chance_loss=math.log(3)) as mon:
        for i in range(steps):
            monitored_step(mon, model, x, y, opt)
            if found_at is None and mon._weights_still_since is not None:
                found_at = i
            if every != "auto" and i % every == 0:
                statuses.append(mon.report().reading.findings[0].status)
    same = all(torch.equal(a, b) for a, b in zip(first, model.parameters(), strict=True))
    return found_at, statuses, same, mon.report()


def test_lr_0_sampled_every_50_steps_is_found_by_the_third_sampled_step():
    every = 50
    assert every >= _monitor_weights.VALUE_STEPS  # the old rule compared every 10th sampled step: only at the 11th
    found_at, statuses, same, report = run(0.0, 400, every)
    assert same
    # the first sampled step sees the weights, the second compares their values, the third finds them kept
    assert found_at is not None and found_at <= 2 * every
    assert report.reading.status == "not_learning" and "weights_still_since" in report.reading.evidence
    # the reading says so from the first sampled step at least WEIGHTS_STILL_STEPS after the comparison
    assert statuses[-1] == "not_learning"


def test_a_run_that_learns_sampled_every_50_steps_is_never_read_still():
    found_at, statuses, same, report = run(0.01, 400, 50)
    assert not same and found_at is None
    assert not any("weights_still_since" in f.evidence for f in report.reading.findings)


def test_lr_0_under_auto_reads_never_changed_from_the_first_sampled_step():
    # every="auto" samples its first step after a warm-up (step 4): weights kept since that step never changed at
    # all, and the words say so, not 'from training step 4 ... where their values were first compared'
    found_at, statuses, same, report = run(0.0, 400, "auto")
    assert same and report.reading.status == "not_learning"
    since = report.reading.evidence["weights_still_since"]
    assert since > 1
    assert "at any sampled step from the first to step" in report.reading.words
    assert f"from training step {since}" not in report.reading.words
