"""A batch of no sample (W59 walkthrough finding 9): its mean loss is NaN and every weight's gradient is 0, and a
monitor sampling it read 'diverged at step 1: ... the optimiser may already have written non-finite values into the
weights', the weights untouched. Such a step is not read, and a note says why; a NaN from a batch that holds samples
still reads as the divergence it is."""

from __future__ import annotations

import math
import warnings

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.monitor_log import LogWarning, read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _setup():
    torch.manual_seed(0)
    x = torch.randn(512, 8)
    y = (x[:, 0] > 0).long()
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    return x, y, model, torch.optim.SGD(model.parameters(), lr=0.1)


def test_an_empty_first_batch_is_not_read_and_the_weights_are_as_they_were():
    x, y, model, opt = _setup()
    before = [p.detach().clone() for p in model.parameters()]
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    loss = monitored_step(mon, model, x[:0], y[:0], opt)
    assert math.isnan(loss.item())  # the premise: a mean over no sample
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))  # the reference: untouched
    report = mon.report()
    assert report.status != "diverged" and report.sampled_steps == 0
    assert any(n.startswith("training step 1's batch held no sample (the input to '0' (Linear) had no value)")
               for n in report.notes)


def test_an_empty_batch_mid_run_is_left_out_of_the_reading_and_the_log(tmp_path):
    x, y, model, opt = _setup()
    log = tmp_path / "run.jsonl"
    mon = Monitor(model, every=1, chance_loss=math.log(2), log=str(log))
    gen = torch.Generator().manual_seed(1)
    for t in range(1, 61):
        i = torch.randint(0, 512, (0 if t == 30 else 32,), generator=gen)
        monitored_step(mon, model, x[i], y[i], opt)
        if t == 30:
            now = mon.report()
            assert now.step == 29 and now.status != "diverged"
            assert now.notes[0] == ("this report is of training step 29, the latest sampled one read: training step "
                                    "30 held no sample and is not read (the note below)")
            assert any(n.startswith("training step 30's batch held no sample") for n in now.notes)
    end = mon.report()
    mon.close()
    assert end.status == "healthy" and end.sampled_steps == 59 and end.first_non_finite is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LogWarning)
        steps = [r["step"] for r in read_log(log).reports]
    assert 30 not in steps and steps == [t for t in range(1, 61) if t != 30]


def test_a_nan_from_a_batch_with_samples_still_reads_diverged():
    x, y, model, opt = _setup()
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    for _ in range(5):
        monitored_step(mon, model, x[:32], y[:32], opt)
    bad = x[:32].clone()
    bad[0, 0] = math.nan
    monitored_step(mon, model, bad, y[:32], opt, loss_fn=F.cross_entropy)
    assert mon.report().status == "diverged"
