"""every="auto" and its cost note count the monitor's own work on every step, sampled or not (W12 findings 2-3).

A fake clock plays a model whose unsampled step lasts BASE and whose sampled step lasts (1 + extra) times that, and
a monitor whose own work on every step (entering and leaving `with mon.step()`) takes `own` seconds: the note's
claims are checked against the overhead the clock measures, with auto's choice and with the every= it advises."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _monitor_step  # noqa: E402
from actlab.interop import torch as monitor_module  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop import _steps  # noqa: E402

BASE = 126e-6  # W12's tiny model: Linear(4, 16)-Tanh-Linear(16, 2), batch 16, one thread


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _run(monkeypatch, every, extra: float, own: float, steps: int, clock: FakeClock | None = None):
    """Steps under the fake clock; returns the monitor and the measured overhead (time with the monitor over the
    bare steps' time, minus 1) over the steps after the first 60 (calibration)."""
    clock = clock or FakeClock()
    monkeypatch.setattr(_monitor_step.time, "perf_counter", clock)

    class Handle(monitor_module._StepHandle):  # made once per step, inside the monitor's own timed work
        def __init__(self) -> None:
            super().__init__()
            clock.now += own

    monkeypatch.setattr(_monitor_step, "_StepHandle", Handle)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    mon = Monitor(model, every=every)
    x = torch.randn(16, 4)
    start = None
    for i in range(steps):
        if i == 60:
            start = clock.now
        with mon.step():
            hooked = _steps.hooked(model[1]) > 0
            model(x).square().mean().backward()
            clock.now += BASE * (1 + extra if hooked else 1.0)
        model.zero_grad()
    measured = (clock.now - start) / ((steps - 60) * BASE) - 1
    return mon, measured


def _note(mon) -> str:
    return next(n for n in mon.report().notes if "every='auto' adds about" in n)


def test_tiny_model_whose_fixed_cost_alone_is_over_the_budget_is_told_so_and_given_no_interval(monkeypatch):
    """20 us of the monitor's own on a 126 us step (W12: 15-30 us) is 16% on every step: no every= meets a 3% budget.
    The note says so with the figure and does not advise an interval; its total is what the clock measures."""
    mon, measured = _run(monkeypatch, "auto", extra=3.0, own=20e-6, steps=400)
    assert mon.every == monitor_module.MAX_AUTO_EVERY
    assert mon.fixed_cost == pytest.approx(20 / 126, rel=1e-6)
    assert mon.fixed_seconds == pytest.approx(20e-6)
    # the note's total: the fixed share and one sampled step's extra over 50 steps, as measured
    assert mon.calibrated_cost == pytest.approx(20 / 126 + 3.0 / 50, rel=1e-6)
    assert measured == pytest.approx(mon.calibrated_cost, rel=0.05)
    note = _note(mon)
    assert "The monitor's own work on every step, sampled or not (entering and leaving the block), adds 15.9%, " \
           "about 20 us a step." in note  # (R16's wording: the share first, then its time)
    verdict = _steps.cost_verdict(note)
    assert verdict.startswith("every='auto' adds about 21.9% to the average step's time inside `with mon.step()` by "
                           "the monitor's own clock, "
                           "over the 3% budget by 18.9 "
                           "percentage points. No interval can keep within it")
    assert "No interval can keep within it" in note and "never under it" in note
    assert "Monitor(model, every=" not in note


@pytest.mark.parametrize("own, margin", [(0.5e-6, True), (2.5e-6, False)])
def test_the_advised_interval_keeps_within_the_budget_when_measured(monkeypatch, own, margin):
    """A fixed cost of 0.4% (under auto's aim of 1.5%) or 2.0% (between the aim and the 3% budget): the note advises
    an every= from what is left of the budget after the fixed cost, and a run with that every= measures within the
    budget (the old note spread the sampled extra alone over the budget: 400% / 1.5% = 267, which measured 3.1% with
    a fixed cost of 1.6%)."""
    mon, measured = _run(monkeypatch, "auto", extra=4.0, own=own, steps=400)
    fixed = own / BASE
    assert mon.fixed_cost == pytest.approx(fixed, rel=1e-6)
    assert measured == pytest.approx(mon.calibrated_cost, rel=0.05) and measured > 0.03  # every 50: over budget
    note = _note(mon)
    keep = int(re.search(r"Monitor\(model, every=(\d+)\)", note).group(1))
    room = (0.015 if margin else 0.03) - fixed
    assert keep == math.ceil(4.0 / room - 1e-9)
    assert ("with auto's margin" in note) == margin and ("with no margin" in note) == (not margin)
    _, measured_keep = _run(monkeypatch, keep, extra=4.0, own=own, steps=60 + 20 * keep)
    assert measured_keep <= 0.03 + 1e-9
    assert measured_keep == pytest.approx(fixed + 4.0 / keep, rel=0.05)


def test_without_a_fixed_cost_the_choice_is_as_before(monkeypatch):
    mon, measured = _run(monkeypatch, "auto", extra=0.07, own=0.0, steps=300)
    assert mon.every == 5 and mon.fixed_cost == 0
    assert measured == pytest.approx(0.07 / 5, rel=0.05)
    assert "own work" not in _note(mon)


def test_the_note_is_provisional_until_16_sampled_steps_are_timed(monkeypatch):
    mon, _ = _run(monkeypatch, "auto", extra=0.07, own=1e-6, steps=70)
    timed = len(mon._times["extra"])
    assert 4 <= timed < 16
    # of how many sampled: the first ones are not timed (W27: '14 sampled steps timed' beside '20 sampled steps')
    assert mon.sampled_steps > timed
    opening, details = _note(mon).split("\n")  # (x1: the count in the opening, why some are not timed in the details)
    # said first, before the figures it is about (W107 walkthrough finding 8: after an alarming '171.8% ... over the
    # 3% budget by 168.8 percentage points' that settled to 26.5%)
    assert opening.startswith(f"Provisional: {timed} of the {mon.sampled_steps} sampled steps timed so far; the "
                              "figures settle after about 16. every='auto' adds about ")
    assert "The first sampled steps, and those that find a new place, are not timed." in details
    mon, _ = _run(monkeypatch, "auto", extra=0.07, own=1e-6, steps=300)
    assert len(mon._times["extra"]) >= 16 and "Provisional" not in _note(mon)


def test_an_untimed_unsampled_step_reads_no_clock(monkeypatch):
    """The unsampled path of a fixed interval reads no clock and calibrates nothing (each step read perf_counter
    twice and called _calibrate)."""
    calls = []
    monkeypatch.setattr(_monitor_step.time, "perf_counter", lambda: calls.append(1) or 0.0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    mon = Monitor(model, every=10**9)
    x = torch.randn(16, 4)
    with mon.step():  # step 0 is sampled
        model(x).sum().backward()
    calls.clear()
    for _ in range(50):
        with mon.step() as s:
            model(x).sum().backward()
            s.loss = 1.0
    assert calls == [] and mon.step_count == 51
