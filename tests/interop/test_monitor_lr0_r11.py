"""Issue 17, W15 finding 6 (R11): a PyTorch optimiser whose learning rate is 0 read 'the weights have not changed
since sampled step 11', as if they had moved until then; step 11 was only where the Monitor first compared their
values. It now reads their values as it first sees them, and says they never changed. References: copies of the
weights compared with torch.equal, and the loop's own count of steps."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

STEPS = 300


def _run(step_opt: bool = True):
    """W15's mon_lr0 run: a 2-hidden-layer ReLU MLP under Adam at lr 0, every step sampled."""
    torch.manual_seed(0)
    x = torch.randn(2048, 10)
    y = (x @ torch.randn(10, 4)).argmax(1)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.Adam(model.parameters(), lr=0.0)
    first = [p.detach().clone() for p in model.parameters()]
    with Monitor(model, every=1, chance_loss=math.log(4)) as mon:
        for _ in range(STEPS):
            idx = torch.randint(0, 2048, (64,))
            monitored_step(mon, model, x[idx], y[idx])
            if step_opt:
                opt.step()
            opt.zero_grad()
        report = mon.report()
    unchanged = all(torch.equal(a, b) for a, b in zip(first, model.parameters(), strict=True))
    return report, unchanged


def test_lr_0_reads_never_changed_from_the_first_sampled_step():
    # the Monitor reads a weight's values as it first sees it (before, from the 11th sampled step on: the words
    # could only say 'from sampled step 11 ..., step 11 is where their values were first compared')
    report, unchanged = _run()
    assert unchanged  # the premise: Adam at lr 0 writes the same values back
    r = report.reading
    assert r.status is Status.NOT_LEARNING, r.words
    assert r.evidence["weights_still_since"] == 1
    assert f"not changed at any sampled step from the first to step {STEPS}" in r.words, r.words
    assert "since sampled step" not in r.words
    # (the rates read say it: W85 finding 10)
    assert "learning rate is 0, read at every optimiser step from training step 1" in r.words and "above 0" in r.remedy


def test_a_loop_without_opt_step_reads_never_changed_from_the_first_sampled_step():
    report, unchanged = _run(step_opt=False)
    assert unchanged
    r = report.reading
    assert r.evidence["weights_still_since"] == 1
    assert f"not changed at any sampled step from the first to step {STEPS}" in r.words, r.words


def test_the_monitor_reads_with_every_lever_a_script_has():
    # a PyTorch user can add residual connections and scale their inputs: the Monitor's summary says so, and it knows
    # neither the initialiser nor the learning rate (R11: it says nothing different of them)
    torch.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(12) for m in (nn.Linear(16, 16), nn.Sigmoid())], nn.Linear(16, 2))
    x, y = torch.randn(64, 16), torch.randint(0, 2, (64,))
    with Monitor(model, every=1) as mon:
        monitored_step(mon, model, x, y)
        report = mon.report()
    r = report.reading
    assert r.status is Status.VANISHING, r.words
    # R14: inputs the Monitor did not measure were a check to make; since W57 it measures them (randn: a root mean
    # square of 1), and inputs that are scaled get no advice to scale them
    assert "residual connections" in r.remedy and "inputs" not in r.remedy
