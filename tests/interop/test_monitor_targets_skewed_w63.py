"""Targets mostly one class (issue 17, W63 walkthrough finding 3): a next-token model whose padding targets were left
in the cross-entropy read 'healthy' against chance_loss ln V, where a constant guess of the padding gets far less.
The monitor reads each sampled row's target back from the outputs' gradient (_monitor_lossread) and, where one class
is most of every read batch and the best constant guess on them gets under half of chance_loss, does not judge the
loss and says why. References: the script's own targets at the steps read (their shares, and the entropy of their
frequencies with Miller and Madow's correction)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

V, T, B = 11, 32, 16


def _padded_run(ignore, steps=60):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(V, 32), nn.Linear(32, 64), nn.GELU(), nn.Linear(64, V))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    mon = Monitor(model, every=5, chance_loss=math.log(V - 1))
    targets = {}
    for step in range(1, steps + 1):
        x = torch.randint(1, V, (B, T))
        pad = torch.arange(T)[None] >= torch.randint(2, 6, (B,))[:, None]
        x = x.masked_fill(pad, 0)
        y = torch.roll(x, -1, 1).masked_fill(pad, 0)  # the next token; 0 where padded
        targets[step] = y.reshape(-1).numpy()
        monitored_step(mon, model, x, y, opt, loss_fn=lambda out, y: F.cross_entropy(
            out.reshape(-1, V), y.reshape(-1), ignore_index=0 if ignore else -100))
    r = mon.report().reading
    mon.close()
    return r, targets


def _entropy(y):
    counts = np.bincount(y)
    f = counts[counts > 0] / len(y)
    return float(-(f * np.log(f)).sum()) + (len(f) - 1) / (2 * len(y))


def test_padding_left_in_the_loss_is_named_and_the_loss_not_judged():
    r, targets = _padded_run(ignore=False)
    assert r.status is Status.FLOWING, r.words
    m = re.search(r"the loss is not judged: the targets, read back from the outputs' gradient, are far from balanced: "
                  r"the commonest, class 0 of 11, is (\d+)% of the ([\d,]+) read \(3 batches, from training step "
                  r"(\d+) to (\d+)\), so a constant guess of their frequencies gets a cross-entropy of about "
                  r"([\d.]+), while chance_loss is 2\.3", r.words)
    assert m, r.words
    first, last = int(m[3]), int(m[4])
    read = [t for t in targets if first <= t <= last and (t - 1) % 5 == 0]  # every=5 samples steps 1, 6, 11, ...
    assert len(read) == 3
    pooled = np.concatenate([targets[t] for t in read])  # the script's own targets at those steps
    assert int(m[2].replace(",", "")) == len(pooled) and int(m[1]) == round(100 * float((pooled == 0).mean()))
    assert float(m[5]) == float(f"{_entropy(pooled):.3g}")
    assert "ignore_index=0 in the cross-entropy" in r.remedy


def test_padding_ignored_is_judged_as_before():
    r, _ = _padded_run(ignore=True)
    assert "the loss is not judged" not in r.words and r.status is not Status.FLOWING, r.words


@pytest.mark.parametrize("weights, flagged", [
    ([0.5, 0.5], False),  # two balanced classes, and chance ln 2 fits
    ([0.34, 0.33, 0.33], False),
    ([0.9] + [0.1 / 9] * 9, True),  # nine in ten one class against ln 10: a constant guess gets about 0.5
    ([0.62] + [0.38 / 9] * 9, True),  # W65 finding 1: 62% one class, entropy about 1.5 against ln 10
])
def test_a_classifiers_own_targets(weights, flagged):
    torch.manual_seed(3)
    k = len(weights)
    x = torch.randn(2048, 8)  # noise: nothing to learn from the inputs
    y = torch.multinomial(torch.tensor(weights), 2048, replacement=True)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, k))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=2, chance_loss=math.log(k))
    for _ in range(20):
        i = torch.randint(0, 2048, (64,))
        monitored_step(mon, model, x[i], y[i], opt)
    r = mon.report().reading
    mon.close()
    assert ("are far from balanced: the commonest, class 0" in r.words) == flagged, r.words


def test_a_vocabulary_too_large_for_the_targets_read_is_not_judged_by_them():
    """A next-token model over 500 tokens, 96 targets a batch: three batches cannot tell the frequencies of 500."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(500, 16), nn.Linear(16, 500))
    mon = Monitor(model, every=1, chance_loss=math.log(500))
    for _ in range(5):
        x = torch.randint(0, 500, (4, 24))
        monitored_step(mon, model, x, torch.roll(x, -1, 1),
                       loss_fn=lambda out, y: F.cross_entropy(out.reshape(-1, 500), y.reshape(-1)))
        model.zero_grad()
    r = mon.report().reading
    mon.close()
    assert "far from balanced" not in r.words, r.words
