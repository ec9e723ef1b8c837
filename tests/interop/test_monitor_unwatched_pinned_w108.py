"""An nn.LSTM classifier stuck at chance (W108 walkthrough finding 2: fed (batch, time) as (time, batch), at chance
after 362 updates) read 'unwatched' as a working one did, its only remedy to write the recurrence out. From 200
updates at chance on, it gets the remedy a watched run gets then ('No verdict yet: ...') and the status `starting`,
the unwatched finding after it; its words say its activations are unseen, not that it is a linear model. The
reference: the test's own mean of the last 50 losses against chance."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.head = nn.LSTM(3, 8, batch_first=True), nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def _run(follow: bool, steps: int = 240):
    """Labels that follow the sequences (the sign pattern of their first feature's sum) or that do not (drawn
    apart from them); Adam at 1e-2. Returns the report and the mean of the last 50 losses."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)
    model = _Net()
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    mon = Monitor(model, every=10, chance_loss=math.log(3))
    losses = []
    for _ in range(steps):
        x = torch.randn(32, 5, 3, generator=g)
        total = x[:, :, 0].sum(1)
        y = (total > 1).long() + (total > -1).long() if follow else torch.randint(0, 3, (32,), generator=g)
        losses.append(monitored_step(mon, model, x, y, opt).item())
    return mon.report(), sum(losses[-50:]) / 50


def test_an_lstm_at_chance_gets_the_remedy_a_watched_run_gets():
    report, mean = _run(follow=False)
    assert abs(mean / math.log(3) - 1) < 0.1  # the premise: within 10% of chance
    first, *rest = report.reading.findings
    assert first.status == Status.STARTING and first.remedy.startswith("No verdict yet: "), first
    assert "check that each batch's targets are its own inputs'" in first.remedy
    assert "linear model" not in first.words and "its activations are not seen ('rnn' (LSTM)" in first.words
    assert [f.status for f in rest] == [Status.UNWATCHED]
    assert rest[0].remedy.startswith("To watch its units, write the recurrence out")


@pytest.mark.parametrize("follow, steps", [(True, 240), (False, 150)], ids=["learns", "before-200"])
def test_an_lstm_that_learns_or_has_run_few_updates_reads_unwatched(follow, steps):
    report, mean = _run(follow, steps)
    assert (mean < 0.5 * math.log(3)) == follow  # the premise: the one learns, the other is at chance
    assert report.status == Status.UNWATCHED, report.reading.findings[0].words
