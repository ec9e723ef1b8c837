"""Targets near balanced over the outputs' own classes, judged against a chance_loss of another number of classes,
are said as a chance_loss that does not fit the head (issue 17, W72 walkthrough finding 2: a head of 4 classes swapped
in under chance_loss ln 10 read 'the targets ... are far from balanced: the commonest, class 3 of 4, is 33% of the 126
read' with the remedy 'If class 3 is padding or a filler, leave it out of the loss (ignore_index=3 ...)'). References:
the script's own targets (their shares and the entropy of their frequencies with Miller and Madow's correction)."""

from __future__ import annotations

import math
import re

import numpy as np

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _entropy(y):
    counts = np.bincount(y)
    f = counts[counts > 0] / len(y)
    return float(-(f * np.log(f)).sum()) + (len(f) - 1) / (2 * len(y))


def _run(classes, weights=None, steps=4):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, classes))
    mon = Monitor(model, every=1, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(2)
    seen = []
    for _ in range(steps):
        y = (torch.multinomial(torch.tensor(weights), 64, replacement=True, generator=g) if weights else
             torch.randint(0, classes, (64,), generator=g))
        seen.append(y.numpy())
        monitored_step(mon, model, torch.randn(64, 8, generator=g), y)
    return mon.report().reading, np.concatenate(seen[:3])  # (the first three sampled steps are read)


def test_a_head_of_four_balanced_classes_under_ln_10_is_told_to_set_ln_4():
    r, pooled = _run(4)
    assert r.status is Status.FLOWING, r.words
    m = re.search(r"the outputs have 4 classes, and the targets read back from their gradient are near balanced over "
                  r"them \(the commonest, class (\d), is (\d+)% of the 192 read, 3 batches from training step 1 to "
                  r"3\), so a constant guess gets a cross-entropy of about ([\d.]+), near ln 4 = 1\.39, while "
                  r"chance_loss is 2\.3", r.words)
    assert m, r.words
    counts = np.bincount(pooled, minlength=4)
    assert int(m[1]) == int(counts.argmax()) and int(m[2]) == round(100 * counts.max() / len(pooled))
    assert float(m[3]) == float(f"{_entropy(pooled):.3g}")
    assert r.remedy.startswith("Set mon.chance_loss = math.log(4) (1.39)"), r.remedy
    assert "ignore_index" not in r.remedy and "far from balanced" not in r.words


def test_targets_mostly_one_class_still_read_as_far_from_balanced():
    r, _ = _run(10, weights=[0.9] + [0.1 / 9] * 9)
    assert "far from balanced: the commonest, class 0 of 10" in r.words, r.words
    assert "ignore_index=0" in r.remedy
