"""Issue 17 (W46 walkthrough, finding 1): a run resumed from a checkpoint (Monitor(first_step=301)) read, on its
first steps, 'starting: ... every run begins near chance' at a loss 89% below chance, and from two batches at 0.150
and 0.156, 'spread too widely ... could be as high as 1.92'. It now says the run began there, with its first loss,
and that so few batches are too few. References: the test's own losses; a fresh model's run at chance keeps the
words for a run that begins."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

C = 4


def _data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2048, 10, generator=g)
    return x, (x @ torch.randn(10, C, generator=g)).argmax(1), g


def _trained(model, opt, x, y, g, n):
    """n unmonitored training steps."""
    for _ in range(n):
        i = torch.randint(0, 2048, (64,), generator=g)
        nn.functional.cross_entropy(model(x[i]), y[i]).backward()
        opt.step()
        opt.zero_grad()


def _steps(model, opt, mon, x, y, g, n):
    losses, reports = [], []
    for _ in range(n):
        i = torch.randint(0, 2048, (64,), generator=g)
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x[i]), y[i])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
        reports.append(mon.report())
    return losses, reports


def test_a_resumed_run_says_it_began_below_chance():
    x, y, g = _data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, C))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    _trained(model, opt, x, y, g, 300)  # before the monitor is made, as a checkpoint's weights are
    with Monitor(model, every=1, chance_loss=math.log(C), first_step=301) as mon:
        losses, reports = _steps(model, opt, mon, x, y, g, 3)
    assert losses[0] < 0.5 * math.log(C)  # the premise: the first loss is far below chance
    for r in reports[:2]:
        assert r.reading.status.value == "starting"
        words = r.reading.words
        assert "every run begins near chance" not in words
        assert f"it began there: its first loss, at training step 301, was {losses[0]:.3g}" in words, words
    assert "but the last 2 training steps' batches are too few to tell that from chance: with 2" in \
        reports[1].reading.words


def test_a_fresh_run_still_begins_near_chance():
    x, y, g = _data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, C))
    opt = torch.optim.SGD(model.parameters(), 1e-3)
    with Monitor(model, every=1, chance_loss=math.log(C)) as mon:
        losses, reports = _steps(model, opt, mon, x, y, g, 3)
    assert abs(losses[0] - math.log(C)) < 0.3 * math.log(C)
    assert all("every run begins near chance" in r.reading.words for r in reports)
    assert not any("it began there" in r.reading.words for r in reports)


def test_a_resumed_run_near_chance_is_not_told_every_run_begins_there_w84():
    """W84 walkthrough finding 9: step 301 of a resumed run whose loss was below chance, but not under half of it, read
    '... which says nothing yet of learning, and every run begins near chance'. The words now say the monitor began
    at training step 301, in a run resumed."""
    x, y, g = _data()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, C))
    opt = torch.optim.SGD(model.parameters(), 0.05)
    _trained(model, opt, x, y, g, 30)  # a little training before the checkpoint
    with Monitor(model, every=1, chance_loss=math.log(C), first_step=301) as mon:
        losses, reports = _steps(model, opt, mon, x, y, g, 1)
    assert 0.5 * math.log(C) < losses[0] < 0.9 * math.log(C)  # the premise: below chance, not under half of it
    words = reports[0].reading.words
    assert reports[0].reading.status.value == "starting", words
    assert "every run begins near chance" not in words
    assert "the monitor began at training step 301, in a run resumed, whose loss need not begin near chance" in words
