"""Issue 17 (W13 item 5): a run that had learned and whose loss then climbs far above chance is not 'healthy' or
'starting'.

/tmp/r7/repro6.py: a tanh MLP learns a circle to a loss of 0.024 (chance ln 2) in 560 steps; the learning rate is then
raised to 40 and the loss jumps to 127-360. The monitor (every=5) read 'healthy' while the mean of its last 10 sampled
losses was still low, then 'starting ... whether it learns shows over the first 1,000 updates (571 so far)'. Now it
reads 'not learning any more', from the second sampled loss above twice chance on (one batch's spike is not enough).
The references: the sampled losses the tests give, compared with chance by the tests.
"""

from __future__ import annotations

import math
import re
import statistics

from hypothesis import given
from hypothesis import strategies as st

from actlab.readings import LayerSummary, RunSummary, Status, diagnose

CHANCE = math.log(2)
LAYERS = (LayerSummary("tanh", 32, 0.4, label="module '1' (Tanh)", weights="'0.weight'"),
          LayerSummary("tanh", 32, 0.5, label="module '3' (Tanh)", weights="'2.weight'"))
# the monitor's last 10 sampled losses at step 571 (/tmp/r7/repro6b.py)
AT_571 = (0.0262, 0.0259, 0.0256, 0.0254, 0.0251, 0.0248, 0.0246, 0.0243, 127.0, 313.0)


def run(losses, steps=571, loss_steps=None, **kw):
    extra = {"recent_loss_steps": loss_steps} if loss_steps is not None else {}
    return RunSummary(LAYERS, 1.0, loss=statistics.fmean(losses), chance_loss=CHANCE, steps=steps,
                      recent_losses=tuple(losses), loss_batches=len(losses), **extra, **kw)


def test_a_run_that_learned_then_jumped_far_above_chance_reads_not_learning_any_more():
    r = diagnose(run(AT_571))
    assert r.status is Status.NOT_LEARNING and r.is_failure
    assert r.words.startswith("not learning any more: 8 of the last 10 sampled losses were more than 10% below "
                              "chance, down to 0.0243 (96% below it), and the loss has risen to 313, 450 times "
                              "chance (0.693)")
    assert "lower the learning rate" in r.remedy


def test_the_sampled_steps_date_it():
    r = diagnose(run(AT_571, loss_steps=tuple(range(526, 576, 5))))
    assert "down to 0.0243 at training step 561 (a sampled one" in r.words \
        and "risen to 313 at training step 571 (a sampled one" in r.words


def test_a_mean_still_below_chance_no_longer_reads_healthy():
    losses = (0.1,) * 7 + (0.3, 1.5, 1.6)  # mean 0.38, 45% below chance; the last two over twice chance
    assert statistics.fmean(losses) < 0.9 * CHANCE
    r = diagnose(run(losses))
    assert r.status is Status.NOT_LEARNING


def test_one_spike_is_not_enough():
    losses = (0.1,) * 9 + (1.6,)
    r = diagnose(run(losses))
    # not unlearned; and not healthy either since L22: the spike spreads the window so widely that its mean, 0.25,
    # is not below chance beyond the noise (mean + t(9, 99.5%) x standard error at chance's level is 1.59)
    assert r.status is Status.STARTING and "spread too widely to tell that from chance" in r.words, r.words


def test_one_low_batch_at_the_start_is_not_learning():
    # a run beginning a hair below chance on one batch and climbing: the starting climb of test_readings_rising_loss
    r = diagnose(run((0.594, 1.57, 4.16), steps=31))
    assert r.status is Status.STARTING and "risen from 0.594 to 4.16" in r.words


def test_once_the_low_losses_leave_the_window_the_lowest_judged_loss_kept_still_says_it():
    recent = (178.0, 177.0, 126.0, 25.1, 93.2, 49.2, 62.5, 48.9, 50.1, 44.0)  # step 640: every one far above chance
    assert diagnose(run(recent, steps=640)).status is Status.STARTING  # what the recent losses alone allow
    r = diagnose(run(recent, steps=640, lowest_judged_loss=0.0255, lowest_judged_step=561,
                     loss_steps=tuple(range(595, 645, 5))))
    assert r.status is Status.NOT_LEARNING
    # the mean judged, not the last batch's 44 (L22)
    assert r.words.startswith("not learning any more: the mean loss had come down to 0.0255 at training step 561 (a "
                              "sampled one), 96% below chance, and the loss has risen to 85.4 at training step 640 (a "
                              "sampled one; the mean of the last 10 sampled losses)")


@given(st.lists(st.floats(1e-4, 0.899), min_size=2, max_size=8), st.lists(st.floats(2.01, 500.0), min_size=2,
                                                                            max_size=4), st.integers(1, 5000))
def test_no_run_whose_latest_losses_are_over_twice_chance_after_learning_reads_healthy_or_starting(low, high, steps):
    losses = [v * CHANCE for v in low + high]
    r = diagnose(run(losses, steps=steps))
    assert r.status is Status.NOT_LEARNING and r.is_failure, r.words
    assert f"{len(low)} of the last {len(losses)} sampled losses were more than 10% below chance" in r.words


def test_losses_too_spread_to_tell_from_chance_are_said_with_their_range_and_how_few():
    """W83 walkthrough finding 7: a resumed run's first 4 losses, all under 0.01, read 'the mean they were drawn around
    could be as high as 2.91' with nothing to say why. The words now give their range and, under 10, their count.
    Reference for the bound: mean + t(3, 99.5%) x the standard error taken to chance's level (scipy), the lower of the
    two bounds here."""
    from scipy import stats

    chance = math.log(10)
    losses = (0.008527862839400768, 0.0026699311565607786, 0.00966761726886034, 0.00795668549835682)
    r = diagnose(RunSummary(LAYERS, 1.0, loss=statistics.fmean(losses), chance_loss=chance, steps=4,
                            recent_losses=losses, loss_batches=4))
    mean, sd = statistics.fmean(losses), statistics.stdev(losses)
    bound = mean + stats.t.ppf(0.995, 3) * sd / 2 * chance / mean
    assert f"{bound:.3g}" == "2.91"
    assert (f", from {min(losses):.3g} to {max(losses):.3g}, spread too widely to tell that from chance (with only 4 "
            f"of them, the mean they were drawn around could be as high as {bound:.3g})") in r.words, r.words
    spike = (0.1,) * 9 + (1.6,)  # 10 of them (test_one_spike_is_not_enough): no count said
    mean, sd = statistics.fmean(spike), statistics.stdev(spike)
    bound = mean + stats.t.ppf(0.995, 9) * sd / math.sqrt(10) * CHANCE / mean
    r = diagnose(run(spike))
    said = re.search(r", from 0\.1 to 1\.6, spread too widely to tell that from chance \(the mean they were drawn "
                     r"around could be as high as (\S+)\)", r.words)
    assert said, r.words
    assert CHANCE <= float(said[1]) <= bound  # (here the log scale's bound, the lower, is the one said: 1.34)
