"""Issue 17 (W16 finding 1): a NaN first seen several steps after the last finite sample claims no 'did not climb
first', and its remedy does not send the learner to the data first.

W16's GELU MLP, its learning rate raised from 1 to 1e4 at step 100, climbed 0.135 -> 1.0e8 -> 1.3e26 -> NaN within
three steps (plain torch). Sampled every 5 steps (and every 50 under every="auto") the Monitor saw ordinary losses
and then a NaN, and read 'it did not climb first', with 'A loss that turns NaN without climbing first points at the
data or the loss, first'. The steps between the samples were not seen: now the words say so, and the remedy puts
the learning rate first. References: the gaps and losses the tests give."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from actlab.reading_record import LossSteps
from actlab.readings import LayerSummary, RunSummary, Status, diagnose

ORDINARY = (0.173, 0.16, 0.15, 0.14, 0.135)


def nan_at(at, before, losses=ORDINARY, loss_steps=LossSteps.SAMPLED):
    return RunSummary((LayerSummary("gelu", 16, 1e17),), 1e17, loss=math.nan, chance_loss=math.log(2), steps=at,
                      diverged_at_step=at, last_finite_step=before, keeps_last_finite=False, restart="restart",
                      recent_losses=tuple(losses), loss_steps=loss_steps)


def test_w16_every_5_the_unsampled_steps_before_the_nan_are_named_and_the_learning_rate_comes_first():
    r = diagnose(nan_at(106, 101))
    assert r.status is Status.DIVERGED
    assert "did not climb first" not in r.words
    assert "the 4 steps before it were not sampled, and the loss may have climbed there" in r.words, r.words
    assert r.remedy.index("learning rate") < r.remedy.index("log(0)")
    assert "every=1" in r.remedy


def test_every_step_seen_keeps_the_data_first_story():
    r = diagnose(nan_at(102, 101))
    assert "it did not climb first" in r.words
    assert r.remedy.index("log(0)") < r.remedy.index("learning rate")


def test_no_finite_sample_before_the_nan_says_the_steps_before_it_were_not_sampled():
    r = diagnose(nan_at(112, None))
    assert "did not climb first" not in r.words


@given(st.integers(2, 10_000), st.integers(1, 500))
def test_no_gap_of_unsampled_steps_ever_reads_did_not_climb_first(before, gap):
    r = diagnose(nan_at(before + gap + 1, before))
    assert "did not climb first" not in r.words
    assert f"the {gap:,} step{'s' if gap > 1 else ''} before it were not sampled" in r.words, r.words
    assert not r.remedy.startswith("A loss that turns NaN without climbing first")
