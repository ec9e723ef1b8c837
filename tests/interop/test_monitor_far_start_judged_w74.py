"""A run that began far above chance is judged on its steps since it came under the blow-up line, not on a mean that
holds its first loss (issue 17, W74 walkthrough finding 11: a first loss of 388, then batches of 1.4 to 2.4, read
'the loss has come down to 98 since', the mean of the first four steps' batches). Reference: the losses the script
gave, averaged here."""

from __future__ import annotations

import re
import statistics

import pytest

from conftest import require_torch

require_torch()
from actlab.reading_loss import BLOW_UP_LOSS  # noqa: E402
from interop._scripted_losses import scripted_run  # noqa: E402

CHANCE = 1.0
LOSSES = [388.0] + [1.4 + 0.25 * (i % 5) for i in range(30)]


def _said(words: str) -> tuple[float, int]:
    found = re.search(r"the loss has come down to ([0-9.e+]+) since \(mean loss of the last (\d+) training steps'",
                      words)
    assert found, words
    return float(found.group(1)), int(found.group(2))


@pytest.mark.parametrize("step", [3, 4, 10, 31])
def test_the_come_down_to_figure_is_the_mean_since_the_far_start(step):
    reports = scripted_run(LOSSES[:step], chance=CHANCE)
    words = reports[-1].reading.words
    said, n = _said(words)
    since = LOSSES[1:step]
    assert n == len(since)
    assert reports[-1].reading.evidence["loss"] == pytest.approx(statistics.fmean(since), rel=1e-6)
    assert said == pytest.approx(statistics.fmean(since), rel=5e-3)
    assert said < 3 * CHANCE  # where the mean of all the steps would be 15 to 130 times chance
    assert "388 at training step 1" in words  # the first loss itself is still said


def test_a_run_still_past_the_line_is_judged_on_all_its_steps():
    """The premise's other side: while every loss is past BLOW_UP_LOSS x chance, no step is left out."""
    losses = [388.0, 300.0, 250.0, 200.0]
    assert min(losses) > BLOW_UP_LOSS * CHANCE
    reading = scripted_run(losses, chance=CHANCE)[-1].reading
    assert reading.evidence["loss"] == pytest.approx(statistics.fmean(losses), rel=1e-6)
    assert f"{statistics.fmean(losses):.3g}" in reading.words, reading.words


def test_a_start_under_the_blow_up_line_is_judged_since_the_loss_came_down_to_twice_chance():
    """W75 walkthrough finding 9: a first loss 9.9 times chance, then 4.2 and 3.9, then batches below chance, read
    'the loss has come down to 4.2 times chance since' at step 4 (the mean of the first four) and 'starting' until the
    first three left the 50-step window at step 51."""
    chance = 1.386
    losses = [13.77, 4.2, 3.9, 1.23, 1.18] + [0.8 + 0.05 * (i % 4) for i in range(25)]
    reports = scripted_run(losses, chance=chance)
    for step in (5, 10, 30):
        r = reports[step - 1].reading
        since = losses[3:step]
        assert r.evidence["loss"] == pytest.approx(statistics.fmean(since), rel=1e-6), (step, r.words)
        assert "times chance since" not in r.words
        # two batches below chance are too few to tell from it (said so); seven and more are healthy
        assert r.status.value == ("starting" if step == 5 else "healthy"), (step, r.words)
    assert "too few to tell that from chance" in reports[4].reading.words
