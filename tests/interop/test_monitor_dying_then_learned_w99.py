"""W99 walkthrough finding 3: SGD at 0.05 switched to Adam at 3e-2 at training step 601 (a rate far too high for
Adam) stopped 70 of 128 units of a layer; switched again to Adam at 1e-3 at step 1,201, the run learned past where it
had been before: its training mean 0.41 against 0.52 at step 600, its held-out loss 0.573 against 0.595. The status
stayed 'dead_layer' to the end, with 'Lower the learning rate' and a checkpoint from before step 601, worse weights
than the run's own. A layer whose units stopped after the run had learned, where the run learned past that point
since, now reads healthy with the stopped units said; one whose units stopped and the run has not come back past
where it was keeps dead_layer. References: the test's own losses and its own count of the units on over a probe."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(switch_back: bool):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 20, generator=g)
    w1, w2 = torch.randn(20, 64, generator=g), torch.randn(64, 10, generator=g)
    y = (torch.tanh(x @ w1 / math.sqrt(20)) @ w2).argmax(1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    losses = []
    with Monitor(model, every=5, chance_loss=math.log(10)) as mon:
        for t in range(1, 1801):
            if t == 601:
                opt = torch.optim.Adam(model.parameters(), lr=3e-2)
            if t == 1201 and switch_back:
                opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            i = torch.randint(0, 20000, (128,), generator=g)
            losses.append(monitored_step(mon, model, x[i], y[i], opt).item())
        report = mon.report()
    with torch.no_grad():
        off = int((~(model[2](model[1](model[0](x[:4096]))) > 0).any(0)).sum())
    return report, losses, off


def test_a_run_that_learned_past_where_its_units_stopped_reads_healthy_and_says_them():
    report, losses, off = _run(switch_back=True)
    before, end = sum(losses[550:600]) / 50, sum(losses[-50:]) / 50
    assert off >= 50 and end < before, (off, before, end)  # the premise: half the layer off, and better than before
    words = report.reading.words
    assert report.status == "healthy", words
    assert "of module '3' (ReLU) were active earlier in the run" in words, words
    assert "the run has learned past where it was before they stopped" in words, words
    assert "checkpoint saved before" not in report.reading.remedy, report.reading.remedy


def test_a_run_that_has_not_come_back_keeps_its_dying_layer():
    report, losses, off = _run(switch_back=False)
    before, end = sum(losses[550:600]) / 50, sum(losses[-50:]) / 50
    assert off >= 50 and end > before, (off, before, end)  # the premise: still worse than before its units stopped
    assert report.status == "dead_layer", report.reading.words
