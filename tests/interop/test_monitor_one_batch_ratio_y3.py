"""One sampled batch's weight-gradient ratio beyond the vanishing line is that batch's, not the run's (issue 17, W34
walkthrough finding 1): a 2-layer GELU transformer under Adam, learning well, read 'vanishing: ... gets 6.6e-4 of the
output layer's gradient' on 24 of 500 steps at every=1, scattered among 'healthy' ones. A monitor's reading weighs
the median of the ratio and those of its latest sampled steps. References: the ratios written here, and the reports'
own rows for what the monitor passes on."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import actlab.interop._monitor_report as monitor_report  # noqa: E402
from actlab.readings import LayerSummary, RunSummary, Status, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _summary(first, earlier=()):
    layers = (LayerSummary("gelu", 32, first, label="layer 1"), LayerSummary("gelu", 32, 0.5, label="layer 2"))
    return RunSummary(layers, 1.0, 0.6, math.log(10), None, 200, earlier_ratios=tuple(earlier))


def test_one_batch_below_the_line_among_typical_ones_is_not_vanishing():
    r = diagnose(_summary(6.6e-4, (1.8e-2, 2.1e-2, 1.5e-2)))
    assert r.status is Status.HEALTHY, r.words
    # the median of four: the geometric mean of the middle two, 1.5e-2 and 1.8e-2
    assert ("layer 1 gets 6.6e-4 of the output layer's on this sampled batch, 0.016 of the output layer's at the "
            "median of the last 4 sampled steps") in r.words, r.words


def test_a_run_whose_batches_stay_below_the_line_reads_vanishing():
    assert diagnose(_summary(6.6e-4, (5e-4, 7e-4, 2e-3))).status is Status.VANISHING  # median 6.8e-4
    assert diagnose(_summary(6.6e-4)).status is Status.VANISHING  # no history (the engine's): as before
    assert diagnose(_summary(6.6e-4, (2e-2,))).status is Status.VANISHING  # one earlier ratio is too few


def test_the_monitor_passes_the_ratios_of_its_latest_sampled_steps(monkeypatch):
    seen = []
    real = monitor_report.diagnose
    monkeypatch.setattr(monitor_report, "diagnose", lambda s: seen.append(s) or real(s))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    rows = []
    with Monitor(model, every=1, chance_loss=math.log(4)) as mon:
        for _ in range(12):
            x = torch.randn(32, 8)
            with mon.step() as s:
                loss = F.cross_entropy(model(x), (x[:, 0] > 0).long())
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            rows.append(mon.report().layers[0].weight_grad_ratio_to_output)
    assert len(seen) == 12
    for k, s in enumerate(seen):
        assert s.earlier_ratios == tuple(rows[max(0, k - 4):k]), k
