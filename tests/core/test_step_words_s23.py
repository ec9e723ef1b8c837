"""S23 item 1: a monitored step is named one way on every face: by its training step, said to be a sampled one
("training step 561 (a sampled one)"), never "sampled step 561", which reads as the 561st sample. The reading's words
built in the core (reading_loss, readings) are checked here, each against the same summary told that every step was
seen (actlab's own engine), whose words keep plain "step 561". The Monitor's report, its log and the watch page are
checked in tests/interop/test_monitor_step_words_s23.py and tests/web/test_watch_step_words_s23.py."""

from __future__ import annotations

import dataclasses
import re
import statistics

import pytest

from actlab.readings import LayerSummary, LossSteps, RunSummary, diagnose

# "sampled step 12" or "sampled steps 1 and 15": a number read as the count of samples
AS_SAMPLE_COUNT = re.compile(r"sampled steps? \d")
LAYERS = (LayerSummary("tanh", 32, 0.4, label="module '1' (Tanh)", weights="'0.weight'"),
          LayerSummary("tanh", 32, 0.5, label="module '3' (Tanh)", weights="'2.weight'"))
CHANCE = 0.6931


def _summary(losses, steps, **kw) -> RunSummary:
    loss = kw.pop("loss") if "loss" in kw else statistics.fmean(losses)
    return RunSummary(LAYERS, 1.0, loss=loss, chance_loss=kw.pop("chance", CHANCE),
                      steps=kw.pop("at") if "at" in kw else steps[-1], recent_losses=tuple(losses),
                      recent_loss_steps=tuple(steps), loss_batches=len(losses), **kw)


# each: a summary a monitor would give (its steps sampled, every 5th or 7th), and the phrases its words must hold,
# each step number worked out by hand from the summary's steps
CASES = {
    # a climb before a NaN, sampled at steps 1, 8 and 15 (every 7th): the span and how many losses it covers
    "climb": (_summary((86.8, 1.14e20, 4.19e33), (1, 8, 15), loss=4.19e33, chance=88.1, keeps_last_finite=False),
              [" between training steps 1 and 15 (the losses of 3 sampled steps)"],
              [" between steps 1 and 15 (each update's batch loss)"]),
    # learned to 0.0255 by step 561, then thrown far above chance: the two dates, the second with what it quotes
    "unlearned": (_summary((50.0, 60.0, 70.0, 80.0, 85.0, 90.0, 95.0, 100.0, 100.0, 124.0), range(595, 645, 5),
                           lowest_judged_loss=0.0255, lowest_judged_step=561, lowest_judged_bound=0.03),
                  ["had come down to 0.0255 at training step 561 (a sampled one), ",
                   "has risen to 85.4 at training step 640 (a sampled one; the mean of the last 10 sampled losses)"],
                  ["had come down to 0.0255 at step 561, ",
                   "has risen to 85.4 at step 640, 120 times chance"]),
    # no judged low kept: two low batches are the sign it learned, dated with their share of chance in one bracket
    "two lows": (_summary((0.02, 0.03, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 127.0, 313.0), range(511, 575, 7)),
                 ["down to 0.02 at training step 511 (a sampled one; 97% below it)"],
                 ["down to 0.02 at step 511 (97% below it)"]),
    # a NaN first seen at step 26 of a monitor sampling every 5th step: the finite sample before it was step 21
    "nan": (_summary((0.7, 0.69, 0.7), (11, 16, 21), loss=float("nan"), at=26, diverged_at_step=26,
                     last_finite_step=21),
            [", first seen at training step 26 (a sampled one; the last finite sample was step 21)"], None),
    # a NaN on the very first sample, at step 7: nothing before it was sampled
    "nan first": (_summary((), (), loss=float("nan"), at=7, diverged_at_step=7),
                  [", first seen at training step 7, the first step sampled"], None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_monitor_s_words_name_each_step_by_its_training_step(name):
    s, said, _ = CASES[name]
    words = diagnose(s).words
    for phrase in said:
        assert phrase in words, words
    assert not AS_SAMPLE_COUNT.search(words), words


@pytest.mark.parametrize("name", [n for n, (_, _, plain) in CASES.items() if plain])
def test_the_engine_which_sees_every_step_keeps_plain_step_numbers(name):
    s, _, plain = CASES[name]
    words = diagnose(dataclasses.replace(s, loss_steps=LossSteps.EVERY)).words
    for phrase in plain:
        assert phrase in words, words
    assert "training step" not in words and "a sampled one" not in words and "sampled step" not in words, words


def test_a_divergence_the_engine_saw_is_dated_plainly():
    s = dataclasses.replace(CASES["nan"][0], loss_steps=LossSteps.EVERY, last_finite_step=25)
    words = diagnose(s).words
    assert words.startswith("diverged at step 26: ") and "training step" not in words and "sampled" not in words


def test_weights_kept_since_a_sampled_step_are_dated_by_it():
    # a monitor that first compared the weights' values at step 8 and found them kept since step 15 (every 7th)
    base = _summary((0.69, 0.69, 0.69), (1, 8, 15), at=215, weights_still_since=15, weights_first_seen=8)
    words = diagnose(base).words
    assert ("not changed from training step 15 (a sampled one) to step 215 (200 training steps; their values are "
            "compared exactly only every 50 training steps or so, so they may have stopped changing some steps before "
            "step 15)") in words, words
    assert not AS_SAMPLE_COUNT.search(words)


def test_the_helpers_say_a_step_one_way():
    from actlab.reading_loss import numbered_step, sampled_step

    assert sampled_step(98) == "training step 98 (a sampled one)"
    assert sampled_step(1_200, "the 24th") == "training step 1,200 (a sampled one; the 24th)"
    engine = dataclasses.replace(CASES["climb"][0], loss_steps=LossSteps.EVERY)
    assert numbered_step(CASES["climb"][0], 12) == sampled_step(12)
    assert numbered_step(engine, 12) == "step 12" and numbered_step(engine, 12, "x") == "step 12 (x)"
