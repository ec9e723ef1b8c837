"""A learning rate that went on rising after the jump it is blamed for is told to its highest (issue 17, W68
walkthrough finding 5: OneCycleLR to 30 killed a ReLU layer while the rate climbed from 8 to 23, and every remedy to
step 150 named only its rise from 1.2 to 3.19 before an early jump in the loss at step 12). References: the rates the
script set, step by step (step t's update used rates[t - 1])."""

from __future__ import annotations

import math
import re

from conftest import require_torch

torch = require_torch()

from interop._scripted_losses import levels, scripted_run  # noqa: E402

CHANCE = math.log(4)


def _cosine_up(n, top, peak_at=60):
    # (a hundredth of the walkthrough's rates: the scripted model trains at them, and must not diverge)
    return [0.012 + (top - 0.012) * (1 - math.cos(math.pi * min(t, peak_at) / peak_at)) / 2 for t in range(n)]


def _remedy_at(rates, step=21):
    losses = [*levels([(1.1, 11)], seed=2), 8.88, *levels([(1.39, step - 12)], seed=3)]
    return scripted_run(losses, chance=CHANCE, rates=rates[:step])[step - 1].reading.remedy


def test_a_rate_still_climbing_after_the_jump_is_told_to_its_highest():
    rates = _cosine_up(21, 0.3)
    remedy = _remedy_at(rates)
    m = re.match(r"The learning rate rose from ([\d.]+) to ([\d.]+) between training steps 1 and 11, before the jump, "
                 r"and it went on rising after it, to ([\d.]+) at training step (\d+), its highest read: the likeliest "
                 r"cause; keep it nearer ([\d.]+)\.", remedy)
    assert m, remedy
    top = max(range(11, 21), key=lambda i: rates[i])  # the highest rate used after step 11's update
    assert int(m[4]) == top + 1 and float(m[3]) == float(f"{rates[top]:.3g}")
    assert float(m[1]) == float(f"{rates[0]:.3g}") and float(m[2]) == float(f"{rates[10]:.3g}")


def test_a_rate_that_stopped_rising_at_the_jump_gets_no_such_clause():
    rates = _cosine_up(12, 0.3, peak_at=11)
    rates += [rates[-1] * 1.2] * 9  # 1.2 times the rate at the jump after it, no more
    remedy = _remedy_at(rates)
    assert remedy.startswith("The learning rate rose from 0.012 to "), remedy
    assert "went on rising" not in remedy, remedy
