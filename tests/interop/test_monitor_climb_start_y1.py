"""A climb longer than the recent window is dated from where it began (issue 17). A classifier at lr 0.1, its rate
raised to 40 at step 31, sampled every 5 steps: the loss stayed near 1 to step 31 and climbed for 20 steps to inf.
The reading kept its last 10 losses and said 'the loss grew first, from 1.3e+18 ... between steps 41 and 50', where the
loss had been 0.956 at step 31. The reference is the script's own record of each step's loss, and the start is the
test's own (tests/climb_reference.py, from the rule's statement)."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from climb_reference import climb_start  # noqa: E402


def _raised(raise_at: int, lr: float, seed: int = 0, log=None):
    torch.manual_seed(seed)
    x = torch.randn(512, 8)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, every=5, chance_loss=math.log(3), log=log)
    losses = []
    for step in range(1, 81):
        if step == raise_at:
            for g in opt.param_groups:
                g["lr"] = lr
        i = torch.randint(0, 512, (64,))
        with mon.step() as s:
            loss = nn.functional.cross_entropy(model(x[i]), y[i])
            s.loss = loss
            loss.backward()
        losses.append(loss.item())
        opt.step()
        opt.zero_grad()
    mon.close()
    return mon.report(), losses


def test_a_twenty_step_climb_is_dated_from_its_start():
    report, losses = _raised(31, 40.0)
    nan_at = next(t for t, v in enumerate(losses, 1) if not math.isfinite(v))
    finite = losses[:nan_at - 1]  # steps 1 .. nan_at - 1
    start = climb_start(finite)
    assert nan_at - 1 - start > 10  # the premise: the climb is longer than the 10 losses a reading looks at
    assert start + 1 >= 30  # and begins at the raise, not before
    words = report.reading.words
    assert report.reading.status == Status.DIVERGED
    assert (f"the loss grew first, from {finite[start]:.3g} to {finite[-1]:.3g} (") in words, words
    assert f"between steps {start + 1} and {nan_at - 1} (each update's batch loss)" in words, words


def test_the_watch_api_dates_a_nan_in_a_sampled_step_s_own_loss_from_the_held_one_before(tmp_path):
    """The same run logged, read by the lab: its first NaN is sampled step 51's own loss, and step 50's held loss was
    finite, so first_seen names step 50 as the one before (the page's banner said 'first seen at training step 51
    (a sampled one; the last finite sample was step 46)' beside the reading's 'Diverged at step 51')."""
    from fastapi.testclient import TestClient

    from actlab.web.app import create_app

    log = tmp_path / "run.jsonl"
    report, losses = _raised(31, 30.0, log=log)
    nan_at = next(t for t, v in enumerate(losses, 1) if not math.isfinite(v))
    assert nan_at % 5 == 1  # the premise: the NaN is a sampled step's own loss (every=5 samples 1, 6, 11, ...)
    assert report.reading.words.startswith(f"diverged at step {nan_at}:")
    app = create_app(db_path=tmp_path / "p.sqlite3", watch_log=log, allow_hosts=("testserver",))
    data = TestClient(app).get("/api/watch").json()
    assert data["first_seen"] == {"step": nan_at, "previous": nan_at - 1, "place": "the loss"}
