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
