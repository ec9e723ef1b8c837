"""Issue 17, W77 walkthrough finding 1: a transformer at AdamW lr 1 climbed from 3.64 to a median of 34 (9.9 times
chance) by step 100 and was back near chance by step 200. Every sampled step read `starting`, the climb told in its
words but under a status that is no failure (the page drew no change of status), and at step 200 the reading was
'starting ... every run begins near chance ... so the reading waits', the climb forgotten. A climb from the first loss
now reads `not_learning` while it lasts, and after the losses come back near chance the reading recalls it with its
figures. The reference: the scripted losses (their first, the median of the recent sampled ones at its highest)."""

from __future__ import annotations

import re
import statistics

from conftest import require_torch

torch = require_torch()

from actlab.readings import Status  # noqa: E402
from interop._scripted_losses import CHANCE, levels, scripted_run  # noqa: E402

RECENT = 10  # the recent sampled losses a climb is read over (LOSS_BATCHES; every=1 samples every step)


def _climb_and_back():
    # near chance for 20 steps, up to 9 times chance over 40, held there 40, back near chance for 100
    up = [CHANCE * 1.05 * 9 ** (i / 40) for i in range(40)]
    return levels([(CHANCE * 1.05, 20)], seed=3, cv=0.05) + [v * f for v, f in zip(
        up, levels([(1.0, 40)], seed=4, cv=0.05), strict=True)] + levels([(CHANCE * 9.4, 40), (CHANCE * 1.02, 100)],
                                                                         seed=5, cv=0.05)


def test_a_climb_reads_not_learning_while_it_lasts_and_is_recalled_after_it():
    losses = _climb_and_back()
    reports = scripted_run(losses)
    at_top = reports[99].reading
    assert at_top.status is Status.NOT_LEARNING and at_top.words.startswith("climbed: "), at_top.words
    # the highest median of RECENT consecutive losses past the line, and the step it ends at: the script's own
    line = max(1.5 * losses[0], 2 * CHANCE)
    medians = [(statistics.median(losses[t - RECENT:t]), t) for t in range(RECENT, len(losses) + 1)]
    top, top_step = max(m for m in medians if m[0] > line)
    end = reports[-1].reading
    assert end.status is Status.NOT_LEARNING, end.words
    m = re.search(r"the loss climbed from its first, ([\d.e+]+) at training step 1, to a median of ([\d.e+]+) over "
                  r"10 losses up to training step ([\d,]+) \(([\d.]+) times chance\), and is back near "
                  r"chance", end.words)
    assert m, end.words
    assert float(m[1]) == float(f"{losses[0]:.3g}")
    assert float(m[2]) == float(f"{top:.3g}") and int(m[3].replace(",", "")) == top_step
    assert float(m[4]) == float(f"{top / CHANCE:.2g}")
    assert "the reading waits" not in end.words
    assert end.remedy.startswith("A loss that climbs from its first usually means steps too large: lower the "
                                 "learning rate"), end.remedy


def test_a_run_that_stays_near_chance_still_waits():
    reports = scripted_run(levels([(CHANCE * 1.05, 200)], seed=6, cv=0.05))
    assert all(r.reading.status is Status.STARTING for r in reports[1:]), \
        next(r.reading.words for r in reports[1:] if r.reading.status is not Status.STARTING)
    assert "every run begins near chance" in reports[-1].reading.words
