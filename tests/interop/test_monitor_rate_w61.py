"""A learning rate that rose too little to blame alone before a jump or a climb to NaN is told (issue 17, W61
walkthrough finding 5: a warm-up to 5 over 200 steps took the loss from 0.0237 to 1.27e36 and NaN at steps 110-122,
its rate risen 1.4 times since the run's low, and the remedy said 'Lower the learning rate' with no word of the
schedule). References: the rates the script set, step by step."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()

from actlab.readings import Status  # noqa: E402
from interop._scripted_losses import levels, scripted_run  # noqa: E402


def _climb_to_nan(rates):
    # down to 0.3 by step 30, up a little after step 150, then a climb of 15 steps to 3e29 and NaN
    losses = [*levels([(1.5, 30), (0.3, 120), (0.4, 50)], seed=4), *(0.3 * 10 ** (2 * k + 2) for k in range(15)),
              math.nan]
    return scripted_run(losses, rates=rates)[-1].reading


def test_a_small_rise_before_a_climb_to_nan_is_told():
    rates = [0.1] * 150 + [0.1 * (1 + 0.3 * min(k, 50) / 50) for k in range(66)]
    r = _climb_to_nan(rates)
    assert r.status is Status.DIVERGED, r.words
    assert "the loss grew first" in r.words, r.words
    m = re.match(r"The learning rate rose ([\d.]+) times, from ([\d.]+) to ([\d.]+), between training steps (\d+) and "
                 r"(\d+), before the jump: too little to call the cause alone", r.remedy)
    assert m, r.remedy
    start, k = int(m[4]), int(m[5])
    # the figures are the script's own rates at those steps (step t's update used rates[t - 1])
    assert float(m[3]) == float(f"{rates[k - 1]:.3g}")
    assert float(m[2]) == float(f"{min(rates[start - 1:k]):.3g}")
    assert float(m[1]) == float(f"{rates[k - 1] / min(rates[start - 1:k]):.2g}")
    assert 1.1 <= rates[k - 1] / min(rates[start - 1:k]) < 1.5
    assert r.remedy.index("Lower the learning rate") > r.remedy.index("lower its peak")


def test_a_constant_rate_before_a_climb_to_nan_is_not_called_a_rise():
    r = _climb_to_nan([0.1] * 216)
    assert r.status is Status.DIVERGED, r.words
    assert "rose" not in r.remedy and r.remedy.startswith("The learning rate was 0.1 at every optimiser step"), r.remedy
