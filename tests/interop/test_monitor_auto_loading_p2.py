"""Issue 17: every="auto" drops the timings taken while the compiled passes were loading.

Monitor() starts loading the compiled passes in a background thread (seconds under load); until they are ready the
sampled steps take torch's slower path, and the thread takes CPU from every step. The first interval is chosen from
those timings (they err towards sampling less often); once the load ends they are dropped, so the interval and the
cost note follow the steps after it. The reference: the extra shares the test feeds the calibration itself."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from actlab.interop import _torch_stats  # noqa: E402
from actlab.interop._monitor_base import _CALIBRATION_PAIRS  # noqa: E402
from actlab.interop.torch import Monitor  # noqa: E402


def feed(mon, pairs, base, sampled):
    for _ in range(pairs):
        for _ in range(3):
            mon._calibrate(False, base, own=1e-6)
            mon.step_count += 1
        mon._calibrate(True, sampled)
        mon.step_count += 1


def test_timings_taken_while_the_passes_load_are_dropped_when_the_load_ends(monkeypatch):
    loading = [True]
    monkeypatch.setattr(_torch_stats, "loading", lambda: loading[0], raising=False)
    mon = Monitor(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1)), every="auto", budget=0.03)
    mon.step_count = 10  # past the warm-up
    feed(mon, _CALIBRATION_PAIRS, 1e-3, 5e-3)  # loading: a sampled step 5 times an unsampled one
    assert mon.sampled_extra == pytest.approx(4.0)
    loaded_every = mon.every
    loading[0] = False
    feed(mon, _CALIBRATION_PAIRS, 1e-3, 1.2e-3)  # loaded: 1.2 times
    # only the timings after the load: the extra share is 0.2 (all alike, so no spread widens it)
    assert mon.sampled_extra == pytest.approx(0.2)
    assert list(mon._times["extra"]) == pytest.approx([0.2] * _CALIBRATION_PAIRS)
    assert mon.every < loaded_every


def test_timings_of_a_monitor_made_after_the_load_are_all_kept(monkeypatch):
    monkeypatch.setattr(_torch_stats, "loading", lambda: False, raising=False)
    mon = Monitor(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1)), every="auto", budget=0.03)
    mon.step_count = 10
    feed(mon, 2, 1e-3, 5e-3)
    feed(mon, 2, 1e-3, 1.2e-3)
    assert sorted(mon._times["extra"]) == pytest.approx([0.2, 0.2, 4.0, 4.0])
    assert not getattr(mon, "_timed_while_loading", False)
