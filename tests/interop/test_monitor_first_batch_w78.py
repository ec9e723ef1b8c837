"""Issue 17, W78 walkthrough finding 4: a freshly initialised model's first batch loss, 0.798 against a chance of 1.0
(27% of its batches were as low), read 'its first loss ... was 0.798, 20% below chance, as a model trained before (a
run resumed from a checkpoint) begins' while the mean sat within its noise of chance. A first loss is now taken for a
trained start only under half of chance. References: the scripted losses."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()

from interop._scripted_losses import CHANCE, levels, scripted_run  # noqa: E402

TRAINED = "as a model trained before (a run resumed from a checkpoint) begins"


def _end(first: float):
    losses = [first * CHANCE, *levels([(0.75 * CHANCE, 12)], seed=2, cv=0.6)]
    return scripted_run(losses)[-1].reading


def test_a_first_batch_a_fifth_below_chance_is_no_trained_start():
    reading = _end(0.8)
    assert "spread too widely to tell that from chance" in reading.words, reading.words  # the premise: within noise
    assert TRAINED not in reading.words, reading.words


def test_a_first_loss_far_below_chance_is_still_read_as_a_trained_start():
    reading = _end(0.3)
    assert TRAINED in reading.words, reading.words
