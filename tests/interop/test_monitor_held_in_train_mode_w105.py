"""Issue 17, W105 walkthrough finding 6: a held-out loss computed with the model in train mode (no model.eval() before
the validation pass) was not seen: BatchNorm normalised the held-out batch by its own statistics and moved its running
statistics toward the held-out data. The monitor now reads the first BatchNorm's num_batches_tracked version counter
at each sampled block and when a held-out loss is given, and a note says so where forwards in train mode ran outside
the blocks. References: the test's own count of the forwards it ran in train mode outside the blocks."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import batch_at, separable  # noqa: E402

SAID = "in train mode outside `with mon.step()`"


def _run(every, validate_in_eval: bool, forwards: int = 1, val_batches: int = 1):
    x, y = separable()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 4))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    outside = 0
    with Monitor(model, every=every, chance_loss=math.log(4)) as mon:
        for t in range(1, 121):
            i = batch_at(t)
            with mon.step() as s:
                loss = sum(F.cross_entropy(model(x[i]), y[i]) for _ in range(forwards)) / forwards
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
            if t % 20 == 0:
                if validate_in_eval:
                    model.eval()
                with torch.no_grad():
                    held = sum(F.cross_entropy(model(x[:256 * val_batches][k::val_batches]), y[:256 * val_batches]
                                               [k::val_batches]) for k in range(val_batches)) / val_batches
                outside += 0 if validate_in_eval else val_batches
                model.train()
                mon.held_out(held)
        return mon.report(), outside


@pytest.mark.parametrize(("every", "val_batches"), [(1, 1), (7, 1), (7, 3)])
def test_a_held_out_pass_in_train_mode_is_noted_with_its_forwards(every, val_batches):
    report, outside = _run(every, validate_in_eval=False, val_batches=val_batches)
    assert outside  # the premise
    notes = [n for n in report.notes if SAID in n]
    assert len(notes) == 1, report.notes
    assert (f"came after {val_batches} forward{'s' if val_batches > 1 else ''} {SAID}") in notes[0], notes[0]
    assert "module '1' (BatchNorm1d)" in notes[0] and "Call model.eval() before the held-out pass" in notes[0]


@pytest.mark.parametrize(("every", "forwards"), [(1, 1), (7, 1), (7, 2)])
def test_a_held_out_pass_in_eval_mode_says_nothing(every, forwards):
    report, outside = _run(every, validate_in_eval=True, forwards=forwards)
    assert not outside and not any(SAID in n for n in report.notes), report.notes


def test_a_model_with_no_batchnorm_says_nothing_and_costs_nothing():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    mon = Monitor(model, every=1)
    with mon.step():
        model(torch.randn(8, 4)).sum().backward()
    mon.held_out(0.5)
    mon.close()
    assert mon._bn is None and not any(SAID in n for n in mon.report().notes)
