"""A run whose loss stays far above chance is judged after FAR_JUDGE_STEPS updates, not 1,000 (W59 walkthrough
finding 7: a classifier with huge initial logits, its first loss 10 times chance, read 'starting ... 13 times chance,
above where a run begins ... so the reading waits' at 500 updates, with no remedy). A loss still coming down from
far above waits as before. The scripted losses are the reference."""

from __future__ import annotations

import math

from conftest import require_torch

require_torch()
from actlab.readings import FAR_JUDGE_STEPS, RISING_FACTOR  # noqa: E402
from interop._scripted_losses import levels, scripted_run  # noqa: E402

CHANCE = math.log(2)


def test_a_loss_that_stays_far_above_chance_is_judged_after_far_judge_steps():
    losses = [6.9] + levels([(9.0, FAR_JUDGE_STEPS + 20)], seed=1, cv=0.5)
    reports = scripted_run(losses, chance=CHANCE)
    mean = sum(losses[-50:]) / 50
    assert mean > RISING_FACTOR * CHANCE and mean >= losses[0] / RISING_FACTOR  # the premise, from the losses
    assert reports[FAR_JUDGE_STEPS - 10].status == "starting"  # (steps 1 to 190: it waits)
    last = reports[-1]
    assert last.status == "not_learning"
    assert last.reading.words.startswith(f"not learning: after {len(losses):,} updates the loss is above chance, "
                                         f"{mean / CHANCE:.2g} times it")
    assert last.reading.remedy.startswith("A loss above chance after this many updates usually means steps too large")


def test_a_loss_coming_down_from_far_above_still_waits():
    """From 500 times chance down to 20 times by step 220: half its first loss and less, so no verdict yet."""
    falling = [CHANCE * 500 * (20 / 500) ** (k / 219) for k in range(220)]
    reports = scripted_run(falling, chance=CHANCE)
    assert reports[-1].status == "starting"
