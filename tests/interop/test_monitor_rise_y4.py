"""A judged mean risen well above its low, under the half-way line, is said (issue 17, W34 walkthrough finding 6): a
GELU transformer's mean went from 0.599 to 1.076 (chance 2.30), nearly double, and every reading said 'healthy ...
the loss is 53% below chance', the rise unsaid for being under half of the way back to chance. References: the
scripted losses themselves (their means, computed here), and noise at one level, which must never read as a rise."""

from __future__ import annotations

import math
import random
import re
import statistics

from conftest import require_torch

torch = require_torch()

from actlab.readings import Status  # noqa: E402
from interop._scripted_losses import CHANCE  # noqa: E402
from interop._scripted_losses import levels as _losses  # noqa: E402
from interop._scripted_losses import scripted_run as _run  # noqa: E402


def test_a_mean_nearly_doubled_under_the_half_way_line_is_said():
    losses = _losses([(0.6, 150), (1.08, 100)])
    seen = _run(losses)
    r = seen[-1].reading
    mean = statistics.fmean(losses[-50:])
    lows = {t: statistics.fmean(losses[t - 50:t]) for t in range(50, 151)}
    low_at = min(lows, key=lows.get)
    assert mean - lows[low_at] < 0.5 * (CHANCE - lows[low_at])  # the premise: under the half-way line
    assert r.status is Status.HEALTHY, r.words
    m = re.search(r"; the mean loss has risen from ([\d.]+) at training step (\d+) \(a sampled one\) to ([\d.]+), "
                  r"beyond the noise of its batches", r.words)
    assert m, r.words
    # the low the monitor kept is a window's mean of the first 150 (the one whose noise bound is lowest): near the
    # lowest mean, and the mean now is the scripted one
    assert float(m[1]) == float(f"{statistics.fmean(losses[int(m[2]) - 50:int(m[2])]):.3g}")
    assert float(f"{lows[low_at]:.3g}") <= float(m[1]) <= 1.02 * lows[low_at]
    assert float(m[3]) == float(f"{mean:.3g}")
    assert r.remedy.startswith("A loss rising again after it had come down"), r.remedy
    # while the loss sat at its level, not a word of a rise
    assert not any("has risen" in x.reading.words for x in seen[:150])


def test_noise_at_one_level_after_coming_down_never_reads_as_a_rise():
    for seed, cv in ((1, 0.3), (2, 0.6), (3, 1.0)):
        rnd = random.Random(seed)
        sigma = math.sqrt(math.log(1 + cv * cv))
        losses = [1.0] * 20 + [0.7 * math.exp(rnd.gauss(-sigma * sigma / 2, sigma)) for _ in range(600)]
        seen = _run(losses)
        risen = [t + 1 for t, x in enumerate(seen) if "has risen" in x.reading.words]
        assert risen == [], (seed, cv, risen[:5])


def test_a_mean_tripled_far_below_chance_is_said():
    """W61 walkthrough finding 6: a rise to several times the low, a twentieth of chance, read healthy unsaid."""
    losses = _losses([(0.02, 150), (0.08, 100)], cv=0.3)
    seen = _run(losses)
    r = seen[-1].reading
    assert 0.08 - 0.02 < 0.1 * CHANCE  # the premise: under a tenth of chance
    assert r.status is Status.HEALTHY, r.words
    m = re.search(r"; the mean loss has risen from ([\d.]+) at training step \d+ \(a sampled one\) to ([\d.]+), beyond "
                  r"the noise of its batches", r.words)
    assert m, r.words
    assert float(m[2]) == float(f"{statistics.fmean(losses[-50:]):.3g}")
    assert float(m[2]) / float(m[1]) >= 3
    # doubled only, that far below chance: not said
    seen = _run(_losses([(0.02, 150), (0.04, 100)], cv=0.3))
    assert not any("has risen" in x.reading.words for x in seen)


def test_low_noise_far_below_chance_never_reads_as_a_rise():
    """Noise at one low level, log-normal or a few confidently wrong batches among near-zero ones (a batch-1
    classifier's), is no rise however large its means' ratios."""
    for seed in (1, 2, 3):
        rnd = random.Random(seed)
        sigma = math.sqrt(math.log(2.0))  # cv 1
        lognormal = [1.0] * 20 + [0.01 * math.exp(rnd.gauss(-sigma * sigma / 2, sigma)) for _ in range(600)]
        tailed = [1.0] * 20 + [rnd.uniform(1.0, 3.0) if rnd.random() < 0.05 else rnd.uniform(0, 0.002)
                               for _ in range(600)]
        for losses in (lognormal, tailed):
            seen = _run(losses)
            risen = [t + 1 for t, x in enumerate(seen) if "has risen" in x.reading.words]
            assert risen == [], (seed, risen[:5])
