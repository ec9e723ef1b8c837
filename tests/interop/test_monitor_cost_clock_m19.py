"""Issue 17, M19 item 3: what every="auto"'s own-work figure measures, checked against an outside timing.

An outside check saw the note's clock catch 0.36-0.59 of the monitor's per-step work. The clock began after step()'s
checks and stopped before the step's bookkeeping after the block (_calibrate, whose few deque updates took 10-14 us
with the caches cold from the model's step, and the step counters). It now runs from the start of mon.step() to the
end of that bookkeeping, and a timed unsampled step keeps its time without calling _calibrate. What no clock of the
monitor's can see, the model's own code slowed by running after the monitor's, the note now says, with the outside
timing's range (_monitor_cost.OWN_CLOCK)."""

from __future__ import annotations

import statistics
import time

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop import _monitor_step, _torch_stats  # noqa: E402
from actlab.interop._monitor_cost import OWN_CLOCK  # noqa: E402
from actlab.torch import Monitor  # noqa: E402

BOOKKEEPING = 5e-6  # the fake cost of updating the step counters after the block


class _Box(list):
    """The monitor's [steps run, exception] box, whose step count costs BOOKKEEPING of the fake clock to update."""

    def __init__(self, items, now):
        super().__init__(items)
        self.now = now

    def __setitem__(self, index, value):
        if index == 0:
            self.now[0] += BOOKKEEPING
        super().__setitem__(index, value)


def test_the_own_clock_counts_the_bookkeeping_after_the_block(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(_monitor_step.time, "perf_counter", lambda: now[0])
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    mon = Monitor(model, every="auto")
    mon._steps_box = _Box(mon._steps_box, now)
    x = torch.randn(16, 4)
    for _ in range(120):
        with mon.step():
            model(x).square().mean().backward()
            now[0] += 1e-3
        model.zero_grad()
    # the clock reads nothing else: the monitor's own time on an unsampled step is the bookkeeping alone (it read 0)
    assert mon.fixed_seconds == pytest.approx(BOOKKEEPING, rel=1e-6)
    assert mon.fixed_cost == pytest.approx(BOOKKEEPING / 1e-3, rel=1e-6)
    note = next(n for n in mon.report().notes if "every='auto' adds about" in n)
    assert "adds 0.5%, about 5 us a step. " in note and OWN_CLOCK in note.split("\n")[1]  # among the details


def test_a_timed_unsampled_step_makes_no_calibration_call(monkeypatch):
    calls = []
    calibrate = Monitor._calibrate

    def counting(self, sampled, *args, **kwargs):
        calls.append(sampled)
        return calibrate(self, sampled, *args, **kwargs)

    monkeypatch.setattr(Monitor, "_calibrate", counting)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
    mon = Monitor(model, every="auto")
    x = torch.randn(16, 4)
    for _ in range(60):
        with mon.step():
            model(x).square().mean().backward()
        model.zero_grad()
    assert calls and all(calls) and len(calls) == mon.sampled_steps
    assert len(mon._times["base"]) == len(mon._times["own"])  # each kept step's time has its own time beside it


# -- the outside checks ----------------------------------------------------------------------------------------------

# Step by step, the same clock outside the monitor (perf_counter, the monitor's own): the whole `with mon.step()`
# less its block's body holds the monitor's two timed stretches (from the start of mon.step() to the block, and from
# the block's end to the end of the bookkeeping) and the few calls between them and the block, so on every step it is
# at least the monitor's own time, exactly, under any load (a preemption inside the monitor's stretches counts on both
# sides). Its median over the monitor's own time read 1.60-1.64 (q90 1.76-1.80) at load 6-9 on 2 shared cores: the
# calls between the stretches and the block, slowed by the model's code run just before them, are what the clock does
# not see. A clock begun after step()'s checks (as before M19) read a median of 3.8; one that took in the block 1e-4.
REPEATS = 3
PAIRED_STEPS = 600
PAIRED_HIGH = 2.6


def _paired(seed: int) -> list[float]:
    """One run's timed unsampled steps: for each, the whole step less its block's body, timed from outside, over the
    monitor's own time for that step (the last of mon._times["own"], which such a step appends)."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4))
    mon = Monitor(model, every="auto")
    _torch_stats.wait(120)
    x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))
    clock = time.perf_counter
    ratios = []
    for _ in range(PAIRED_STEPS):
        sampled, kept = mon.sampled_steps, len(mon._times["own"])
        t0 = clock()
        with mon.step() as s:
            b0 = clock()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            s.loss = loss
            b1 = clock()
        t1 = clock()
        model.zero_grad()
        own = mon._times["own"]
        if mon.sampled_steps == sampled and len(own) == kept + 1:
            ratios.append(((t1 - t0) - (b1 - b0)) / own[-1])
    mon.close()
    return ratios


def test_each_steps_own_time_is_held_in_an_outside_timing_of_that_step():
    ratios = [r for seed in range(REPEATS) for r in _paired(seed)]
    assert len(ratios) >= 100  # the premise: timed unsampled steps in calibration and before each sampled step
    # never less: the clock reads nothing outside the step's own stretches (a clock that took in the block reads < 1)
    assert min(ratios) >= 1 - 1e-9, min(ratios)
    # not much more: the clock sees the monitor's checks before the block and its bookkeeping after it
    assert statistics.median(ratios) <= PAIRED_HIGH, statistics.quantiles(ratios, n=10)


# Over whole steps, against plain ones: what the note's range (OWN_CLOCK) says, which includes the model's own code
# slowed after the monitor's. Different steps are compared, so a busy machine's noise swamps it (at load 9 the ratios
# read -32 to 25, even in CPU time and at the 25th percentile): it is checked where two plain steps agree.

ROUNDS = 800  # rounds of three steps of one model, in turn: two plain ones and one inside `with mon.step()`
# outside / note: 1.0-2.6 (median 1.65) in 20 repeats at load 5-9 on 2 shared cores (/tmp/m19/rep.py's design, two
# steps a round); the bounds leave room for a quieter or busier machine, and the median of the repeats is asserted
LOW, HIGH = 0.8, 3.5
# the two plain steps' medians differ by the timing's own noise (an A/A check): past this share of the figure, the
# machine is too busy for the check to tell anything (at load 10-12 the ratios read 9.6, 18 and -8.2), and it skips
NOISE = 0.5


def _outside(seed: int) -> tuple[float, float]:
    """One repeat: a small model's steps, two plain and one inside `with mon.step()` in turn (the monitor sees none of
    the plain ones: no hook stays attached between samples), each timed in CPU time. Returns, over the figure the
    note gives for the monitor's own work, the median of the unsampled monitored steps less the plain ones', and the
    two plain steps' medians' difference."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4))
    mon = Monitor(model, every="auto")
    _torch_stats.wait(120)  # the compiled passes' load takes CPU from every step while it runs
    x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))
    clock = time.thread_time_ns
    times: dict[str, list[int]] = {"a": [], "b": [], "watched": []}
    for i in range(ROUNDS):
        for which in ("ab" + "w")[i % 3:] + ("ab" + "w")[:i % 3]:
            sampled = mon.sampled_steps
            t = clock()
            if which == "w":
                with mon.step() as s:
                    loss = F.cross_entropy(model(x), y)
                    loss.backward()
                    s.loss = loss
            else:
                F.cross_entropy(model(x), y).backward()
            model.zero_grad()
            took = clock() - t
            if i >= ROUNDS // 4:  # past the calibration
                if which != "w":
                    times[which].append(took)
                elif mon.sampled_steps == sampled:
                    times["watched"].append(took)
    mon.close()
    median = statistics.median
    plain = median(times["a"] + times["b"])
    note = mon.fixed_seconds * 1e9
    return (median(times["watched"]) - plain) / note, (median(times["a"]) - median(times["b"])) / note


def test_the_own_work_figure_agrees_with_an_outside_timing_as_the_note_says():
    runs = [_outside(seed) for seed in range(REPEATS)]
    ratios, noise = [r for r, _ in runs], [abs(n) for _, n in runs]
    if statistics.median(noise) > NOISE:
        pytest.skip(f"the machine is too busy to time: two plain steps' medians differ by {noise} of the figure")
    assert LOW <= statistics.median(ratios) <= HIGH, (ratios, noise)
    assert "1 to 2.6 times the own-work figure" in OWN_CLOCK
