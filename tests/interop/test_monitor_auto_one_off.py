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

from actlab.interop import torch as monitor_module  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.act1 = nn.Linear(20, 48), nn.ReLU()
        self.fc2, self.fc3 = nn.Linear(48, 48), nn.Linear(48, 5)

    def forward(self, x):
        return self.fc3(F.gelu(self.fc2(self.act1(self.fc1(x)))))


def test_the_search_step_is_not_in_the_calibration_and_the_reported_multiple_is_sensible():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=1e-2)
    mon = Monitor(model, every="auto")
    x, y = torch.randn(128, 20), torch.randint(0, 5, (128,))
    sampled, unsampled, first, prev = [], [], True, 0
    for _ in range(60):
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
            if first:  # the one-off step
                first = False
            else:
                sampled.append(dt)
        else:
            unsampled.append(dt)
    assert mon.calibrated_cost is not None and mon.sampled_steps >= 5
    # the first sampled step is not among the extras: one per later sampled step (none of them finds a new place).
    # (How much slower it is depends on what this process has already loaded: 20-55 ms against 0.5 ms unsampled in
    # a fresh process, 667 times in the practitioner's script, about as fast as the rest after other tests; the fake
    # clock below makes it slow every time)
    assert len(mon._times["extra"]) == mon.sampled_steps - 1 == len(sampled)
    # the reported multiple is no more than the slowest later sampled step this test timed allows, loosely (a shared
    # 2-core machine: one of four later sampled steps now and then takes 5-10 times as long as an unsampled one)
    base = statistics.median(unsampled)
    slowest = max(dt / base for dt in sampled)
    assert 1 + mon.sampled_extra < 3 * slowest, (mon.sampled_extra, [dt / base for dt in sampled])
    note = next(n for n in mon.report().notes if "every='auto'" in n)
    m = re.search(r"takes about ([\d.]+) times as long|takes about ([\d.]+)% longer", note)
    assert m, note
    multiple = float(m.group(1)) if m.group(1) else 1 + float(m.group(2)) / 100
    assert multiple == pytest.approx(1 + mon.sampled_extra, rel=0.01), note
    # and the interval follows from it: auto's aim (half the 3% budget) over the extra, within 2..50
    assert mon.every == min(max(2, math.ceil(mon.sampled_extra / 0.015 - 1e-9)), 50)


def _fake_clock_run(monkeypatch, first: float, later: float, odd: dict[int, float] | None = None,
                    steps: int = 200) -> tuple[Monitor, list[bool]]:
    """The F.gelu model under a fake clock: an unsampled step lasts 1 ms, the first sampled step `first` times that
    (the search), a later one `later` times (or odd[k] times for the k-th sampled step, counted from 0)."""
    now = [0.0]
    monkeypatch.setattr(monitor_module.time, "perf_counter", lambda: now[0])
    model = Net()
    mon = Monitor(model, every="auto")
    x = torch.randn(8, 20)
    sampled = []
    for _ in range(steps):
        before = mon.sampled_steps
        with mon.step():
            model(x).sum().backward()
            hooked = len(model.act1._forward_hooks) > 0
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
    assert "a sampled step takes about 2.6 times as long as an unsampled one" in note, note
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
