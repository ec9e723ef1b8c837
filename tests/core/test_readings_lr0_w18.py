"""Issue 17 (W18 finding 1): a run at learning rate 0 from its first update never reads 'learned'.

`actlab train --lr 0 --layers 8,8 --activation relu` read 'learned, and stopped: ... 11% below chance': its random
initial weights happened to sit below chance, and R11's rule ('the loss moved below chance, then the rate became
0') took that for learning. The Trainer now counts the updates made at a rate above 0 (Trainer.stepped_updates,
RunSummary.stepped_updates). The references: the weights themselves (unchanged at lr 0) and the initial loss."""

from __future__ import annotations

import numpy as np

from actlab.readings import MOVED_FRACTION, Status
from actlab.session import RunConfig, build_trainer


def _lucky_seed() -> int:
    """A seed whose initial ReLU 8,8 weights already sit MOVED_FRACTION below chance on the default data."""
    for seed in range(40):
        t = build_trainer(RunConfig(layers=(8, 8), activations=("relu",), lr=0.0, seed=seed))
        if t.frame().train_loss < (1 - MOVED_FRACTION) * t.chance_loss:
            return seed
    raise AssertionError("no seed in 0-39 starts below chance")


def test_lr_0_from_the_start_reads_weights_not_changing_however_low_the_initial_loss():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("relu",), lr=0.0, seed=_lucky_seed()))
    before = t.net.flat_parameters().copy()
    frames = list(t.frames(20))
    assert np.array_equal(before, t.net.flat_parameters())  # the premise: nothing moved
    last = frames[-1]
    assert last.train_loss < (1 - MOVED_FRACTION) * last.chance_loss  # ... and the loss sits below chance
    assert t.stepped_updates == 0
    assert last.diagnosis.status is Status.NOT_LEARNING
    assert last.diagnosis.words.startswith("weights not changing: the learning rate is 0")


def test_a_run_that_learned_and_was_then_stopped_still_reads_learned():
    t = build_trainer(RunConfig(layers=(8, 8), activations=("relu",), lr=0.1, seed=_lucky_seed()))
    list(t.frames(60))
    t.set_lr(0.0)
    last = list(t.frames(5))[-1]
    assert t.stepped_updates == 60 * t.updates_per_epoch
    assert last.diagnosis.status is Status.HEALTHY
    assert last.diagnosis.words.startswith("learned, and stopped: the learning rate is 0 now")


def test_an_epoch_count_in_the_words_has_its_thousands_separated():
    # W18 finding 10: 'after 27,750 updates (1110 epochs)'
    from actlab.readings import LayerSummary, RunSummary, diagnose

    s = RunSummary((LayerSummary("tanh", 8, 0.1),), 0.1, loss=0.49, chance_loss=0.5, epochs=1110, steps=27_750)
    words = diagnose(s).words
    assert "after 27,750 updates (1,110 epochs)" in words, words
