"""Issue 17 (W13 items 1, 4 and 5): a run that ends in a NaN tells how it got there, and its remedy fits that.

Before, every NaN read only 'diverged: the loss became NaN or infinite ...' with 'lower the learning rate, or use
Adam'. Now a loss that climbed first is said as a climb (from what to what, over which sampled losses), a loss that
went to NaN straight from an ordinary value claims no climb and points at the data and the loss first, and a finite
loss whose gradient is NaN (sqrt at 0) is not said to be NaN. The references are the losses the tests give, read by
the tests themselves (first, last, their ratio to chance), not by the readings.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from actlab.datasets import features, make_dataset
from actlab.network import NetworkConfig
from actlab.optim import OptimConfig
from actlab.readings import LayerSummary, RunSummary, Status, diagnose
from actlab.training import Trainer
from climb_reference import climb_start

RESTART = "restart from freshly initialised weights"
# the monitor's last 10 finite sampled losses of a tanh MLP under SGD at lr 1 (MSE, chance 88.1, every=1), before
# step 16's inf (/tmp/r7/repro2.py 1 1)
W13_LOSSES = (2.09e9, 9.18e11, 4.31e14, 2.21e17, 1.14e20, 5.89e22, 3.04e25, 1.57e28, 8.12e30, 4.19e33)


def nan_run(losses, chance=88.1, at=16, before=15, steps=None, loss=math.inf, norms=(1e17, 1e17), out=1e17):
    return RunSummary(tuple(LayerSummary("tanh", 32, g) for g in norms), out, loss=loss, chance_loss=chance,
                      steps=at, diverged_at_step=at, last_finite_step=before, keeps_last_finite=False,
                      restart=RESTART, clip="clip the gradients' norm", recent_losses=tuple(losses),
                      **({"recent_loss_steps": steps} if steps is not None else {}))


def test_a_loss_that_climbed_to_thousands_of_times_chance_before_its_nan_says_so():
    r = diagnose(nan_run(W13_LOSSES))
    first, last = W13_LOSSES[0], W13_LOSSES[-1]
    assert r.status is Status.DIVERGED
    assert r.words.startswith("diverged at step 16: the loss became NaN or infinite")
    ratio = f"{last / 88.1:.1e}".replace("e+", "e")  # 4.8e31: an exponent, with no '+' (R18)
    assert (f"the loss grew first, from {first:.3g} to {last:.3g} ({ratio} times chance, 88.1) over the "
            f"last {len(W13_LOSSES)} sampled losses") in r.words
    assert "Adam" not in r.remedy and "lower the learning rate" in r.remedy.lower() and "clip" in r.remedy


def test_with_the_steps_of_the_losses_the_climb_is_dated_by_the_sampled_steps():
    r = diagnose(nan_run(W13_LOSSES, steps=tuple(range(6, 16))))
    assert "from 2.09e+09 to 4.19e+33" in r.words
    assert "between training steps 6 and 15 (the losses of 10 sampled steps)" in r.words


def test_a_nan_straight_from_an_ordinary_loss_claims_no_climb_and_points_at_the_data_and_the_loss():
    losses = (0.70, 0.69, 0.71, 0.70)
    r = diagnose(nan_run(losses, chance=0.693, at=5, before=4))
    assert r.status is Status.DIVERGED
    assert "grew" not in r.words and "it did not climb first: the last 4 finite sampled losses went from 0.7 to 0.7" \
        in r.words
    assert "log(0)" in r.remedy and "inputs" in r.remedy and "Adam" not in r.remedy
    assert r.remedy.index("log(0)") < r.remedy.index("learning rate")  # the data and the loss first


def test_a_finite_loss_with_a_nan_gradient_is_not_said_to_be_nan():
    # /tmp/r7/repro5.py: cross-entropy plus sqrt(sum((out - out.detach())**2)), 0 in value and NaN in gradient
    s = nan_run((0.704, 0.704, 0.704, 0.704), chance=0.693, at=4, before=3, loss=0.704, norms=(math.nan,),
                out=math.nan)
    r = diagnose(s)
    assert r.status is Status.DIVERGED
    assert "the gradients became NaN or infinite while the loss is finite (0.704)" in r.words
    assert "loss became NaN" not in r.words
    assert "sqrt" in r.remedy and "log" in r.remedy and "Adam" not in r.remedy


@given(st.lists(st.floats(1e-3, 1e40), min_size=2, max_size=10), st.floats(0.1, 10.0))
def test_a_climb_is_claimed_exactly_when_the_losses_climbed(losses, chance):
    r = diagnose(nan_run(losses, chance=chance))
    last, half = losses[-1], len(losses) // 2
    # the test's own reading of the history (R10: the medians of its halves, not its first and last loss): the later
    # half's median and the last loss over twice the earlier half's median, the last above chance
    before, after = statistics.median(losses[:half]), statistics.median(losses[half:])
    rose = after > 2 * before and last > 2 * before
    climbed = rose and last > 1.1 * chance
    stayed = min(losses) > 1e3 * chance
    assert r.status is Status.DIVERGED and "Adam" not in r.remedy
    assert ("grew first" in r.words) == climbed, (losses, r.words)
    if climbed:  # from where it began (tests/climb_reference.py: the lowest of the earlier half, or a level's end)
        assert f"from {losses[climb_start(losses)]:.3g} to {last:.3g}" in r.words, (losses, r.words)
    ordinary = not rose and last <= 1.1 * chance  # straight from an ordinary loss to NaN
    assert ("did not climb first" in r.words) == (ordinary and not climbed and not stayed), (losses, r.words)
    if ordinary:  # the data and the loss are looked at first
        assert r.remedy.index("log(0)") < r.remedy.index("learning rate")
    else:
        assert r.remedy.startswith("Lower the learning rate")


def test_the_engine_s_nan_remedy_names_no_optimiser_and_starts_with_the_learning_rate():
    rng = np.random.default_rng(0)
    d = make_dataset("plane", 200, 0.0, rng=rng)
    t = Trainer(NetworkConfig(2, (8, 8), ("tanh",), "regression"), OptimConfig("sgd", 3.0), features(d.points),
                d.labels, batch_size=10)
    losses = {}
    while not t.diverged and t.step_count < 400:
        k = t.step_count + 1
        losses[k] = t.step()
    assert t.diverged  # at update 131 (the loss of the last finite weights overflows: inf)
    r = t.frame().diagnosis
    d = t.diverged_at_step
    assert r.status is Status.DIVERGED and r.words.startswith(f"diverged at step {d}: the loss")
    # the engine has no clipping setting: its remedy does not offer it
    assert "Adam" not in r.remedy and r.remedy.startswith("Lower the learning rate") and "clip" not in r.remedy
    # R8: the engine reads its last 10 minibatch losses; they climbed (the test's own record of them), and every one of
    # the 50 kept before them was lower than the next: the climb is dated back to the oldest kept, which says so
    first, last = min(losses[k] for k in range(d - 10, d - 5)), losses[d - 1]
    assert last > 2 * first and all(losses[k] < losses[k + 1] for k in range(d - 60, d - 1))
    assert f"the loss grew first, from {losses[d - 60]:.3g} to {last:.3g}" in r.words
    # R10: the engine sees every update, and each of these losses is one update's batch
    assert (f"between steps {d - 60} and {d - 1} (each update's batch loss), already climbing at step {d - 60}, the "
            "oldest loss kept") in r.words and "sampled" not in r.words
