"""A learning rate raised long before the loss jumps (issue 17): lr 0.02 raised to 1 at step 5, the loss down at that
rate to step 82 and thrown up at 83. The jump's step read 'healthy ... 45% below chance', the latest batch 17 times
chance; the readings after it said 'The learning rate was 1 at every optimiser step from ...: if the data changed ...,
look there first', or nothing of the rate, the raise 50 times before the span compared unsaid. References: the losses
and rates the script gave, step by step."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()

from actlab.readings import Status  # noqa: E402
from interop._scripted_losses import CHANCE, levels, scripted_run  # noqa: E402

JUMP = 83  # the step whose loss jumps: 40, then 300 and 900


def _losses():
    return [*levels([(2.3, 5), (1.2, 10), (0.5, 55), (0.45, 12)], seed=1), 40.0, 300.0, 900.0]


def _run(rates):
    losses = _losses()
    return losses, scripted_run(losses, rates=rates)


def _raised(n):
    return [0.02] * 4 + [1.0] * (n - 4)  # step t's update uses rates[t - 1]: raised at step 5


def test_a_jump_in_the_latest_batch_of_a_low_mean_is_not_healthy():
    losses, reports = _run(_raised(len(_losses())))
    before = reports[JUMP - 2].reading
    assert before.status is Status.HEALTHY, before.words
    r = reports[JUMP - 1].reading
    assert r.status is Status.STARTING, r.words
    m = re.search(r"the mean loss is (\d+)% below chance .*, but not its latest batch: the loss jumped to ([\d.]+) at "
                  r"training step (\d+), (\d+) times chance and (\d+) times the highest of the (\d+) training steps' "
                  r"losses before it \(([\d.]+)\)", r.words)
    assert m, r.words
    window = losses[JUMP - 50:JUMP]  # the mean judged: the last 50 steps' losses, the jump's among them
    assert int(m[1]) == round(100 * (1 - sum(window) / 50 / CHANCE))
    assert (float(m[2]), int(m[3])) == (40.0, JUMP)
    highest = max(losses[JUMP - 1 - int(m[6]):JUMP - 1])
    assert float(m[7]) == float(f"{highest:.2g}")
    assert int(m[4]) == round(40 / CHANCE) and int(m[5]) == round(40 / highest)
    assert r.evidence["jump_step"] == JUMP
    assert "the next steps tell which" in r.words and "look at that step's batch" in r.remedy


def test_the_raise_before_the_span_compared_is_told_at_the_jump_and_after():
    _, reports = _run(_raised(len(_losses())))
    r = reports[JUMP - 1].reading
    m = re.match(r"The learning rate was 1 at every optimiser step from training step (\d+) to (\d+), the one before "
                 r"the jump among them; it went there from 0\.02 at the optimiser's step of training step (\d+), "
                 r"(\d+) times, and the loss still came down at it for a while", r.remedy)
    assert m, r.remedy
    assert int(m[2]) == JUMP - 1 and int(m[3]) == 5 and int(m[4]) == round(1.0 / 0.02)
    assert "if nothing changed, go back nearer 0.02." in r.remedy
    for step in (JUMP + 1, JUMP + 2):  # the mean now above chance: lost what it learned, no jump to date it by
        r = reports[step - 1].reading
        assert r.status is Status.NOT_LEARNING, r.words
        low = int(re.search(r"had come down to [\d.]+ at training step (\d+)", r.words)[1])
        assert r.remedy.startswith(f"The learning rate was 1 at training step {low}, where the mean loss was at its "
                                   "lowest; it went there from 0.02 at the optimiser's step of training step 5, 50 "
                                   "times"), r.remedy
        assert "go back nearer 0.02." in r.remedy


def test_a_warm_up_long_before_the_jump_is_told_as_a_rise_by_its_last_step():
    n = len(_losses())
    rates = [0.05 * (k + 1) for k in range(20)] + [1.0] * (n - 20)  # 0.05 to 1 over steps 1 to 20
    _, reports = _run(rates)
    r = reports[JUMP - 1].reading
    m = re.search(r"it had risen there from 0\.05, (\d+) times, by training step (\d+), and the loss still came down",
                  r.remedy)
    assert m, r.remedy
    assert int(m[1]) == 20 and int(m[2]) == 20  # the last change of the warm-up, rates[19]
    assert "go back nearer 0.05." in r.remedy


@pytest.mark.parametrize("rates", [None, [1.0] * 85, [1.0] * 4 + [1.2] * 81])
def test_a_rate_not_raised_or_raised_little_keeps_the_pointer_to_the_data(rates):
    _, reports = _run(rates)
    r = reports[JUMP - 1].reading
    assert r.status is Status.STARTING and "went there" not in r.remedy and "risen there" not in r.remedy, r.remedy
    assert "if nothing changed, what follows applies" in r.remedy, r.remedy
    after = reports[JUMP].reading
    assert "went there" not in after.remedy and "risen there" not in after.remedy, after.remedy


@pytest.mark.parametrize("jump,cv", [(0.55, 0.1), (0.9, 0.1), (2.0, 0.1), (3.0, 0.8)])
def test_a_latest_batch_within_reach_of_those_before_leaves_the_run_healthy(jump, cv):
    """Below chance, or not SPIKE_FACTOR times the highest before it (batches this noisy reach 1.6 and more): one
    batch's noise, no jump."""
    losses = [*levels([(2.3, 5), (1.2, 10), (0.5, 67)], seed=1, cv=cv), jump]
    assert jump < CHANCE or jump < 2 * max(losses[-51:-1])
    r = scripted_run(losses)[-1].reading
    assert r.status is Status.HEALTHY, r.words
