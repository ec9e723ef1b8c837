"""An unsampled step's cost (issue 17, M11 item 4): one step context per monitor, reused, and no clock read on a fixed
interval's unsampled step; a loss set on an unsampled step's handle never reaches a later sampled step's reading; and
every="auto"'s cost note says its own clock sees only its own code (an outside timer saw 0.9-1.6 times its figure)."""

from __future__ import annotations

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _monitor_step  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def test_an_unsampled_step_of_a_fixed_interval_reuses_its_context_and_reads_no_clock(monkeypatch):
    mon = Monitor(_model(), every=10**9)
    with mon.step():  # step 1: sampled
        pass
    clock = []
    monkeypatch.setattr(_monitor_step.time, "perf_counter", lambda: clock.append(1) or 0.0)
    contexts = set()
    for _ in range(1000):
        st = mon.step()
        contexts.add(id(st))
        with st as s:
            s.loss = 1.0
    assert not clock and len(contexts) == 1
    assert mon.step_count == 1001 and mon.sampled_steps == 1
    # nested, it still says so (the one context is open)
    with pytest.raises(RuntimeError, match="steps do not nest"):
        with mon.step():
            with mon.step():
                pass
    with mon.step():  # and the next step opens as usual
        pass
    assert mon.step_count == 1003


def test_a_loss_set_on_an_unsampled_step_is_not_read_by_the_next_sampled_one():
    model = _model()
    mon = Monitor(model, every=2)
    x = torch.randn(16, 4)
    for i in range(3):
        with mon.step() as s:
            loss = model(x).square().mean()
            loss.backward()
            if i == 1:  # step 2, unsampled
                s.loss = 1e6
        model.zero_grad()
    report = mon.report()
    assert report.step == 3 and report.sampled_steps == 2
    assert report.loss is None, report.loss


def test_the_auto_cost_note_says_what_its_clock_does_not_see(monkeypatch):
    now = [0.0]

    def clock():
        now[0] += 2e-6  # every read of the clock: 2 us of the monitor's own time
        return now[0]

    monkeypatch.setattr(_monitor_step.time, "perf_counter", clock)
    model = _model()
    mon = Monitor(model, every="auto")
    x = torch.randn(16, 4)
    for _ in range(60):
        with mon.step():
            model(x).sum().backward()
            now[0] += 1e-3
        model.zero_grad()
    note = next(n for n in mon.report().notes if "every='auto'" in n)
    # three reads of the clock per timed unsampled step are the monitor's own (before the block; after it, at its
    # end and in its bookkeeping): 6 us
    assert mon.fixed_seconds == pytest.approx(6e-6, rel=0.01)
    # (R16: the note no longer quotes a benchmark model's outside timing; it says auto's margin is for what its clock
    # cannot see, and gives the share and the time of one statistic, so that they agree)
    assert "The monitor's own work on every step, sampled or not (entering and leaving the block), adds 0.6%, about " \
           "6 us a step." in note, note
    assert "margin for what that clock cannot see" in note, note
