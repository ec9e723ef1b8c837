"""A loss that has climbed from its first is told as a climb (issue 17, W67 walkthrough finding 6: a character model
whose tied embedding gave logits of std 1 began at 15 times chance and went on to 90 times it over 150 steps, and every
reading to step 200 said 'starting ... above where a run begins ... so the reading waits', the climb too slow to double
inside the recent window; W68 finding 3: a fine-tuned head went from 1.87 to 10.2 at step 6, then stayed at 2 to 5
against a chance of 1.39, and read the same from step 21 to 100 with no remedy). References: the scripted losses."""

from __future__ import annotations

import math
import random
import re
import statistics

from conftest import require_torch

torch = require_torch()

from actlab.readings import Status  # noqa: E402
from interop._scripted_losses import CHANCE, levels, scripted_run  # noqa: E402

RECENT = 10  # the monitor's recent losses (LOSS_BATCHES)


def _climb(start: float, fold: float, steps: int, n: int, seed: int = 1, cv: float = 0.05) -> list[float]:
    rnd = random.Random(seed)
    return [start * CHANCE * fold ** min(i / steps, 1) * math.exp(cv * rnd.gauss(0, 1)) for i in range(n)]


def _said(words: str) -> tuple[float, int, float, float, float]:
    m = re.search(r"the loss has risen from its first, ([\d.e+]+) at training step (\d+), to a median of ([\d.e+]+) "
                  r"over the latest (\d+) losses, ([\d.]+) times it and ([\d,.]+) times chance", words)
    assert m, words
    return float(m[1]), int(m[2]), float(m[3]), float(m[4]), float(m[5])


def test_a_steady_climb_from_a_high_start_is_told_with_the_scripts_figures():
    losses = _climb(15, 6, 150, 151)
    r = scripted_run(losses)[-1].reading
    assert r.status is Status.NOT_LEARNING, r.words  # a failure, not a wait (W77 walkthrough finding 1)
    assert r.words.startswith("climbed: "), r.words
    assert "the reading waits" not in r.words, r.words
    first, step, level, count, ratio = _said(r.words)
    assert step == 1 and first == float(f"{losses[0]:.3g}")
    assert count == RECENT
    median = statistics.median(losses[-RECENT:])
    assert level == float(f"{median:.3g}")
    assert ratio == float(f"{median / losses[0]:.2g}")
    assert r.remedy.startswith("A loss that climbs from its first usually means steps too large: lower the learning "
                               "rate"), r.remedy
    assert f"The first loss was already {losses[0] / CHANCE:.2g} times chance" in r.remedy, r.remedy


def test_the_climb_is_told_once_the_recent_median_is_half_again_the_first_loss_and_not_before():
    losses = _climb(15, 6, 150, 151)
    reports = scripted_run(losses)
    for t, rep in enumerate(reports, start=1):
        median = statistics.median(losses[max(0, t - RECENT):t])
        told = rep.reading.words.startswith("climbed: ")
        # (the verdict follows the independent median of the script's own losses, step by step; a step whose
        # median sits within 2% of the line is left out, its float rounding not the point)
        line = max(1.5 * losses[0], 2 * CHANCE)
        if t > 1 and abs(median / line - 1) > 0.02:
            assert told == (median > line), (t, median / losses[0], rep.reading.words)


def test_a_high_start_that_stays_or_rises_a_little_is_no_climb():
    for losses in (_climb(15, 1, 150, 151), _climb(15, 1.3, 150, 151)):
        r = scripted_run(losses)[-1].reading
        assert not r.words.startswith("climbed"), r.words
        assert "risen from its first" not in r.words, r.words


def test_one_batch_far_up_is_no_climb_from_the_first_loss():
    losses = _climb(15, 1, 150, 60)
    losses[-1] *= 10  # one batch ten times the rest: a spike, not a climb (the median does not move)
    r = scripted_run(losses)[-1].reading
    assert "risen from its first" not in r.words, r.words


def test_a_classifier_climbing_from_confident_logits_is_told_of_its_output_layer_too():
    r = scripted_run(_climb(15, 6, 150, 151), cross_entropy=True)[-1].reading
    assert r.words.startswith("climbed: "), r.words
    assert "the output layer's results (the logits) began far from 0" in r.remedy, r.remedy
    assert "standardise the targets" not in r.remedy, r.remedy


def test_a_lucky_first_batch_makes_no_climb_of_a_loss_near_chance():
    # the first batch at a third of chance by luck, then batches 1.3 times chance: twice the first loss, and no climb
    losses = [CHANCE / 3, *_climb(1.3, 1, 100, 80)]
    r = scripted_run(losses)[-1].reading
    assert "risen from its first" not in r.words, r.words


def test_a_head_that_jumped_and_stays_far_above_chance_is_told_so_with_the_learning_rate():
    chance = math.log(4)
    # 1.87 at step 1, up to 10.2 by step 6, then batches around 3.2 (2 to 5) to step 100
    losses = [1.87, 2.6, 4.1, 6.3, 8.7, 10.2, *levels([(3.2, 94)], seed=5, cv=0.25)]
    reports = scripted_run(losses, chance=chance)
    r = reports[-1].reading
    assert r.words.startswith("climbed: "), r.words
    first, step, level, count, ratio = _said(r.words)
    assert (first, step, count) == (1.87, 1, RECENT)
    assert level == float(f"{statistics.median(losses[-RECENT:]):.3g}")
    assert r.remedy.startswith("A loss that climbs from its first usually means steps too large"), r.remedy
    assert "The first loss was already" not in r.remedy, r.remedy  # 1.35 times chance: a start like any other
    # no step from 21 on waits with nothing to do
    assert all(rep.reading.remedy for rep in reports[20:]), [rep.reading.words for rep in reports[20:]
                                                             if not rep.reading.remedy][:1]
