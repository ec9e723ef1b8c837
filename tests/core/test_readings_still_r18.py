"""R18 finding 6: a model whose body was left out of the optimiser (only the head trains) read status not_learning while
its loss was 33% below chance. 'Not learning' is a loss not 10% below chance; a loss that is, with weights that do not
change, reads as a learning rate of 0 does after the loss came down (learned, and stopped: healthy), its words still
asking after the optimiser. The reference: the losses given, against chance."""

from __future__ import annotations

from actlab.readings import LayerSummary, RunSummary, Status, diagnose


def _still(loss: float) -> RunSummary:
    """A monitor's summary of a model whose body is out of the optimiser: its two hidden weights still for 1,199
    updates while they get gradients; the head's weights change."""
    layers = (LayerSummary("relu", 32, 0.5, label="module '1'", weights="'0.weight'"),
              LayerSummary("relu", 32, 0.4, label="module '3'", weights="'2.weight'"))
    return RunSummary(layers, 0.6, loss=loss, chance_loss=0.693, steps=1200, output_weights="'4.weight'",
                      weights_still_since=1, still_weights=("0", "2"), loss_batches=10)


def test_a_body_left_out_of_the_optimiser_under_a_head_that_learns_is_not_not_learning():
    r = diagnose(_still(0.693 * 0.67))  # 33% below chance
    assert r.status is not Status.NOT_LEARNING and not r.is_failure
    assert r.status is Status.WEIGHTS_STILL  # no health (W54 finding 1)
    assert not any(f.status is Status.HEALTHY for f in r.findings)
    assert r.words.startswith("weights not changing: the weights '0.weight' and '2.weight' have not changed")
    assert "while the loss is 33% below chance (the weights that are stepped learn)" in r.words, r.words
    assert "opt.step()" in r.remedy  # the remedy still asks after the optimiser


def test_still_weights_with_a_loss_at_chance_stay_not_learning():
    r = diagnose(_still(0.69))  # failure path: nothing learned
    assert r.status is Status.NOT_LEARNING and r.words.startswith("weights not changing")
    assert "below chance (the weights" not in r.words
    # nothing learned: no schedule that ended is said first (W46), the remedy starts with the optimiser
    assert r.remedy.startswith("Call opt.step() after loss.backward()") and "scheduler brought" in r.remedy
