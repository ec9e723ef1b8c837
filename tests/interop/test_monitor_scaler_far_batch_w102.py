"""A step the loss scaler skips is left out of the losses judged as well as its gradients: one batch far off scale,
whose scaled gradients overflowed, made no update and is no divergence (issue 17, W102 walkthrough finding 2: float16
under a GradScaler, one batch of inputs times 1e4 at step 401, skipped; the report at 410 read 'diverged ... the loss
has grown to 4.46e+03' with 'restart from a checkpoint', and the one at 800 'the loss blew up ... lower the learning
rate'). References: the test's own record of that batch's loss, of the scale, and of the weights around the step."""

from __future__ import annotations

import math
import re
import statistics

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters  # noqa: E402

ODD = 401  # the step whose batch's inputs are multiplied by 1e4 (a sampled one at every=10)


@pytest.fixture(scope="module")
def odd_batch():
    x, y = clusters(spread=0.5, n=3072, dim=20)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 16)
    g = torch.Generator().manual_seed(0)
    record, reports, losses = {}, {}, []
    with Monitor(model, every=10, chance_loss=math.log(10), scaler=scaler) as mon:
        for step in range(1, 601):
            idx = torch.randint(0, len(x), (64,), generator=g)
            batch = x[idx] * (1e4 if step == ODD else 1.0)
            with mon.step() as s:
                with torch.autocast("cpu", dtype=torch.float16):
                    loss = F.cross_entropy(model(batch).float(), y[idx])
                scaler.scale(loss).backward()
                s.loss = loss
            losses.append(float(loss.detach()))
            if step == ODD:
                record["loss"], record["scale"] = float(loss.detach()), scaler.get_scale()
                record["before"] = [p.detach().clone() for p in model.parameters()]
            scaler.step(opt)
            scaler.update()
            opt.zero_grad()
            if step == ODD:
                now = list(model.parameters())
                record["unchanged"] = all(torch.equal(a, p) for a, p in zip(record["before"], now, strict=True))
                record["scale_after"] = scaler.get_scale()
            if step in (ODD + 9, 600):
                reports[step] = mon.report()
    record["before_losses"] = losses[ODD - 51:ODD - 1]  # the 50 batch losses judged at the step before it
    return record, reports


def test_a_skipped_far_batch_is_no_divergence(odd_batch):
    record, reports = odd_batch
    # the premise: the scaler skipped that step (no weight moved, the scale halved), and its loss stood far out
    assert record["unchanged"] and record["scale_after"] < record["scale"], record
    assert record["loss"] > 100 * math.log(10), record["loss"]
    for step, report in reports.items():
        words = report.reading.words + " " + report.reading.remedy
        assert report.status not in ("diverged", "unscaled_inputs"), (step, report.reading.words)
        assert "blew up" not in words and "diverging" not in words, (step, words)
    # the note says the skip, and that batch's loss as the test read it
    note = next(n for n in reports[ODD + 9].notes if "GradScaler skipped" in n)
    assert f"The loss of step {ODD} was {record['loss']:.3g}" in note, note
    # and the median it is set against, as the test's own batch losses of the 50 steps before give it
    median = statistics.median(record["before_losses"])
    quoted = re.search(r"times the median of the losses judged before it \(([\d.]+)\)", note)
    assert quoted is not None and float(quoted[1]) == pytest.approx(median, rel=5e-3), (note, median)
