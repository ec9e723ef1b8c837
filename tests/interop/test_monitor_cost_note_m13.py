"""every="auto"'s cost note reads verdict first, in short sentences (W14, issue 17): it was one sentence of 900+
characters with 'over the 3% budget' in its middle. A fake clock plays the model (as in test_monitor_cost_fixed_m10),
so the overhead the clock measures is the reference the verdict's figure and margin are checked against."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.interop import _monitor_step  # noqa: E402
from actlab.interop import torch as monitor_module  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop import _steps  # noqa: E402

BASE = 126e-6


def _run(monkeypatch, extra: float, own: float, steps: int = 400, base: float = BASE):
    """every="auto" under a fake clock: an unsampled step lasts ``base`` seconds, a sampled one (1 + extra) times
    that, and the monitor's own work on every step ``own`` seconds. Returns the monitor, the overhead measured by the
    fake clock from step 60 on, and the cost note."""
    now = [0.0]
    monkeypatch.setattr(_monitor_step.time, "perf_counter", lambda: now[0])

    class Handle(monitor_module._StepHandle):  # the monitor's own work on every step
        def __init__(self) -> None:
            super().__init__()
            now[0] += own

    monkeypatch.setattr(_monitor_step, "_StepHandle", Handle)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    mon = Monitor(model, every="auto")
    x = torch.randn(16, 4)
    start = None
    for i in range(steps):
        if i == 60:
            start = now[0]
        with mon.step():
            hooked = _steps.hooked(model[1]) > 0
            model(x).square().mean().backward()
            now[0] += base * (1 + extra if hooked else 1.0)
        model.zero_grad()
    measured = (now[0] - start) / ((steps - 60) * base) - 1
    note = next(n for n in mon.report().notes if "every='auto' adds about" in n)
    return mon, measured, note


def _sentences(note: str) -> list[str]:
    # a sentence ends at '. ' before a capital, at the line break before the note's details, or at the end ('0.6%' and
    # 'e.g.' do not end one)
    return [s for s in re.split(r"(?<=\.)[ \n](?=[A-Z])", note) if s]


@pytest.mark.parametrize("extra, own, over", [(0.07, 0.0, False), (4.0, 0.5e-6, True), (3.0, 20e-6, True)])
def test_the_verdict_comes_first_with_its_margin_and_no_sentence_is_long(monkeypatch, extra, own, over):
    mon, measured, note = _run(monkeypatch, extra, own)
    assert measured == pytest.approx(mon.calibrated_cost, rel=0.05)
    first = _sentences(_steps.cost_verdict(note))[0]
    m = re.fullmatch(r"every='auto' adds about ([\d.]+)% to the average step's time inside `with mon.step\(\)` "
                     r"by the monitor's own clock, "
                     r"(within the 3% budget|over the 3% budget by ([\d.]+) percentage points)\.", first)
    assert m, first
    assert float(m.group(1)) == pytest.approx(100 * measured, abs=0.1 + 0.05 * 100 * measured)
    assert (m.group(3) is not None) == over == (measured > 0.03)
    if over:
        assert float(m.group(3)) == pytest.approx(100 * (measured - 0.03), abs=0.1 + 0.05 * 100 * measured)
        # the advice comes right after the verdict, before the details (what a sampled step takes)
        second = _sentences(_steps.cost_verdict(note))[1]
        assert second.startswith(("Monitor(model, every=", "No interval can keep within it")), second
        assert note.index(second) < note.index("Where the ")  # (R16: the details begin so)
    assert max(len(s) for s in _sentences(note)) <= 260, [len(s) for s in _sentences(note)]


def test_an_advised_interval_says_what_it_leaves_of_a_short_run_and_the_budget_that_keeps_auto_s(monkeypatch):
    """W62 walkthrough finding 9: 'Monitor(model, every=315) would keep within the budget' of a run of 260 steps, with
    no word of what that leaves of its readings. The note says how long a run is read 10 times at that interval, and
    the budget at which auto's own interval is fair: the cost measured by the fake clock, rounded up to a percent."""
    mon, measured, note = _run(monkeypatch, 4.0, 0.5e-6)
    keep = int(re.search(r"Monitor\(model, every=(\d+)\)", note).group(1))
    m = re.search(r"At every=(\d+) a run of ([\d,]+) steps gets 10 readings; with budget=([\d.]+), this "
                  r"interval is within it\.", note)
    assert m, note
    assert int(m.group(1)) == keep and int(m.group(2).replace(",", "")) == 10 * keep
    asked = float(m.group(3))
    assert measured <= asked + 0.005 and asked - 0.01 < mon.calibrated_cost <= asked
