"""Issue 17, W37 walkthrough finding 4: a learning rate raised 200-fold after step 400 took the loss from 0.737 at
step 401 to 27.4, 984, ... 1.56e25 at step 408, briefly back to 2.6-4.3 at steps 411-414, 3.08e14 at 415 and NaN from
416. The blow-up was dated from 984 at step 403 (the first loss past 30 x chance), so the checkpoint it named, from
before step 402, held the weights step 401's update had already thrown; once the loss was NaN the reading said only
'the last 10 finite batch losses went from 1.7e+14 to 3.08e+14' and 'a checkpoint saved before the problem began'.
The walkthrough's losses are scripted here; the references are the list itself (the last loss at its level before
the peak, the peak)."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()

from actlab.reading_loss import RISING_FACTOR  # noqa: E402
from actlab.readings import Status  # noqa: E402
from interop._scripted_losses import CHANCE, levels, scripted_run  # noqa: E402

THROWN = [0.737, 27.4, 984.0, 1.96e5, 6.8e6, 1.7e14, 9.62e7, 1.56e25, 1.61e14, 4.94e15, 4.35, 3.9, 2.6, 2.75, 3.08e14]
LOSSES = levels([(0.9, 400)], seed=3, cv=0.1) + THROWN + [math.nan] * 20


def _level_before_peak(losses) -> int:
    """The training step (1-based) of the last loss at its level (RISING_FACTOR x chance at most) before the peak."""
    finite = [v if math.isfinite(v) else -1.0 for v in losses]
    peak = finite.index(max(finite))
    return max(t for t in range(peak) if finite[t] <= RISING_FACTOR * CHANCE) + 1


def test_a_blow_up_before_a_nan_is_said_and_its_checkpoint_comes_before_the_climb():
    seen = scripted_run(LOSSES)
    level = _level_before_peak(LOSSES)
    peak = max(v for v in LOSSES if math.isfinite(v))
    t_peak = LOSSES.index(peak) + 1
    first_nan = next(t for t, v in enumerate(LOSSES, 1) if not math.isfinite(v))
    assert (level, t_peak, first_nan) == (401, 408, 416)  # the premise: the walkthrough's steps
    for t in range(first_nan, len(LOSSES) + 1):
        r = seen[t - 1].reading
        assert r.status is Status.DIVERGED, (t, r.words)
        assert (f"before it, the loss blew up to {peak:.3g} at training step {t_peak}") in r.words, (t, r.words)
        assert f"from {LOSSES[level - 1]:.3g} at training step {level}" in r.words, (t, r.words)
        assert r.remedy.endswith(f"(one from before training step {level}).") and "Lower the learning rate" in \
            r.remedy, (t, r.remedy)


def test_a_blow_up_the_loss_came_back_from_is_dated_from_its_level():
    """Before the NaN, at step 412 (back at 3.9): the blow-up is dated from step 401's 0.737, not from the first loss
    past 30 x chance (984 at step 403), and its checkpoint comes from before step 401."""
    seen = scripted_run(LOSSES)
    said = [t for t in range(412, 416) if "blew up" in seen[t - 1].reading.words]
    assert said, [seen[t - 1].reading.words for t in range(412, 416)]
    for t in said:
        r = seen[t - 1].reading
        assert "blew up to 1.56e+25 at training step 408 (6.8e24 times chance), from 0.737 at training step 401" \
            in r.words, (t, r.words)
        assert "from before training step 402" not in r.remedy and "from before training step 403" not in r.remedy
