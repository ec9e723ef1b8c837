"""every="auto" on a model that calls its activation as a function (F.gelu): the first sampled step searches the
model for activation functions and is hundreds of times slower than the sampled steps after it. Counted in the
calibration it made the report say 'a sampled step takes about 667 times as long as an unsampled one' (the
practitioner's /tmp/w9/m5_time.py), though every later sampled step took 1.4-1.9 ms against 0.55 ms unsampled."""

from __future__ import annotations

import math
import re
import statistics
import time

import pytest

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.interop import _monitor_step, _torch_stats  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop import _steps  # noqa: E402


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.act1 = nn.Linear(20, 48), nn.ReLU()
        self.fc2, self.fc3 = nn.Linear(48, 48), nn.Linear(48, 5)

    def forward(self, x):
        return self.fc3(F.gelu(self.fc2(self.act1(self.fc1(x)))))


FIRST_SLEEP = 0.2  # seconds the first sampled step is made to last longer (the search's slowness, on any machine)


class SlowFirstNet(Net):
    """Net whose first forward with the monitor's hooks attached sleeps FIRST_SLEEP: the search step's one-off cost,
    made large whatever this process loaded before (alone, the search step took 20-55 ms against 0.5 ms unsampled;
    after other tests, about as long as the later sampled steps, and a monitor that counted it went unseen)."""

    def __init__(self) -> None:
        super().__init__()
        self.slept = False

    def forward(self, x):
        if not self.slept and _steps.hooked(self.act1):
            self.slept = True
            time.sleep(FIRST_SLEEP)
        return super().forward(x)


def _real_clock_run(steps: int = 60) -> tuple[Monitor, list[float], list[float]]:
    torch.manual_seed(0)
    model = SlowFirstNet()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    # the kernels loaded first: a step timed while preload()'s thread imports numba waits on it for the GIL (at load 8
    # a later sampled step read 369 times an unsampled one that way), which is not what this test is about
    _torch_stats.preload()
    _torch_stats.wait(120)
    mon = Monitor(model, every="auto")
    x, y = torch.randn(128, 20), torch.randint(0, 5, (128,))
    sampled, unsampled, prev = [], [], 0
    for _ in range(steps):
        t = time.perf_counter()
        with mon.step() as s:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
        dt = time.perf_counter() - t
        opt.step()
        opt.zero_grad()
        if mon.sampled_steps != prev:
            prev = mon.sampled_steps
            sampled.append(dt)
        else:
            unsampled.append(dt)
    return mon, sampled, unsampled


def _one_off_problems(mon: Monitor, sampled: list[float], unsampled: list[float]) -> list[str]:
    """What a monitor that counted the one-off step in its calibration gets wrong, by this run's own clock."""
    problems = []
    extras = list(mon._times["extra"])
    # one extra per later sampled step (none of them finds a new place): the first is left out
    if len(extras) != mon.sampled_steps - 1:
        problems.append(f"{len(extras)} extras for {mon.sampled_steps} sampled steps")
    # the first sampled step, as timed from outside, is hundreds of unsampled steps long; no extra comes near it.
    # (A later sampled step as long as a quarter of it would need a stall of about 50 ms: not seen at load 9)
    base = statistics.median(unsampled)
    first = sampled[0] / base - 1
    if first < 100:
        problems.append(f"the first sampled step was not slow: {first:.3g} (the test's premise)")
    if extras and max(extras) > first / 4:
        problems.append(f"an extra of {max(extras):.3g} against the first step's {first:.3g}")
    if mon.sampled_extra is not None and mon.sampled_extra > first / 4:
        problems.append(f"sampled_extra {mon.sampled_extra:.3g} against the first step's {first:.3g}")
    return problems


def test_the_search_step_is_not_in_the_calibration_and_the_reported_multiple_is_sensible():
    mon, sampled, unsampled = _real_clock_run()
    assert mon.calibrated_cost is not None and mon.sampled_steps >= 5
    problems = _one_off_problems(mon, sampled, unsampled)
    if problems and not any("extras for" in p for p in problems):  # a clock figure only: measured again, once
        # (a stall of tens of ms on a loaded machine, or a first step that was not slow, is the machine's, not the
        # monitor's: the count of extras, which no load changes, is never retried)
        mon, sampled, unsampled = _real_clock_run()
        problems = _one_off_problems(mon, sampled, unsampled)
    assert not problems, problems
    note = next(n for n in mon.report().notes if "every='auto'" in n)
    m = re.search(r"takes about ([\d.]+) times as long|takes about ([\d.]+)% longer", note)
    assert m, note
    multiple = float(m.group(1)) if m.group(1) else 1 + float(m.group(2)) / 100
    assert multiple == pytest.approx(1 + mon.sampled_extra, rel=0.01), note
    # and the interval follows from it: auto's aim (half the 3% budget) less the monitor's fixed cost on every step
    # (d83c2c5), over the extra, within 2..50 (the test left the fixed cost out and failed at load 6-9, where it is
    # not negligible: every=50 against 41)
    room = 0.015 - (mon.fixed_cost or 0.0)
    expected = min(max(2, math.ceil(mon.sampled_extra / room - 1e-9)), 50) if room > 0 else 50
    assert mon.every == expected, (mon.every, mon.sampled_extra, mon.fixed_cost)


def test_the_check_above_fails_on_a_monitor_that_counts_the_one_off_step(monkeypatch):
    """The real-clock check can fail: with the one-off step counted (one_off ignored), it finds the extra count
    wrong (and, where the unsampled step before the first sample was not slowed by the load too, an extra near the
    first step's: a clock figure, not asserted)."""
    calibrate = Monitor._calibrate

    def counting(self, sampled, seconds, one_off=False, own=None):
        return calibrate(self, sampled, seconds, one_off=False, own=own)

    monkeypatch.setattr(Monitor, "_calibrate", counting)
    mon, sampled, unsampled = _real_clock_run()
    problems = _one_off_problems(mon, sampled, unsampled)
    assert any("extras for" in p for p in problems), problems


def _fake_clock_run(monkeypatch, first: float, later: float, odd: dict[int, float] | None = None,
                    steps: int = 200) -> tuple[Monitor, list[bool]]:
    """The F.gelu model under a fake clock: an unsampled step lasts 1 ms, the first sampled step `first` times that
    (the search), a later one `later` times (or odd[k] times for the k-th sampled step, counted from 0)."""
    now = [0.0]
    monkeypatch.setattr(_monitor_step.time, "perf_counter", lambda: now[0])
    model = Net()
    mon = Monitor(model, every="auto")
    x = torch.randn(8, 20)
    sampled = []
    for _ in range(steps):
        before = mon.sampled_steps
        with mon.step():
            model(x).sum().backward()
            hooked = _steps.hooked(model.act1) > 0
            k = before
            factor = (first if k == 0 else (odd or {}).get(k, later)) if hooked else 1.0
            now[0] += 0.001 * factor
        model.zero_grad()
        sampled.append(hooked)
    return mon, sampled


def test_a_slow_first_sampled_step_does_not_set_the_interval(monkeypatch):
    """The practitioner's figures: the search step 667 times an unsampled step, the later ones 2.6 times. Auto's
    choice is then made from 1.6 (the extra share), not from hundreds: over the 3% budget at the floor of one sample
    per 50 steps, and the note's advice is every=ceil(1.6 / 0.015) = 107, not 84474."""
    mon, sampled = _fake_clock_run(monkeypatch, first=667, later=2.6)
    assert mon.sampled_extra == pytest.approx(1.6)
    assert mon.every == 50
    note = next(n for n in mon.report().notes if "every='auto'" in n)
    assert "takes about 2.6 times as long as on an unsampled one" in note, note
    assert "Monitor(model, every=107)" in note, note
    assert all(e == pytest.approx(1.6) for e in mon._times["extra"])


def test_a_cheap_sampling_is_not_pushed_over_the_budget_by_the_search_step(monkeypatch):
    """Later sampled steps 6% longer: auto aims at 1.5%, so every=4; the search step (300 times) must not push it
    to the floor of 50 and an over-budget note."""
    mon, _ = _fake_clock_run(monkeypatch, first=300, later=1.06)
    assert mon.every == 4
    assert mon.sampled_extra == pytest.approx(0.06)
    assert "within the 3% budget" in next(n for n in mon.report().notes if "every='auto'" in n)


def test_one_very_slow_later_sampled_step_is_held_back(monkeypatch):
    """One later sampled step 20 times as long (a loaded machine's hiccup) among ones 6% longer: its extra is held
    to the median plus 5 median absolute deviations (here the median itself: the rest agree exactly), so the
    interval stays 4 instead of going to 50."""
    mon, _ = _fake_clock_run(monkeypatch, first=1.06, later=1.06, odd={3: 20.0}, steps=40)
    assert max(mon._times["extra"]) == pytest.approx(19.0)  # it is timed; only the choice holds it back
    assert mon.every == 4
    assert mon.sampled_extra == pytest.approx(0.06)

