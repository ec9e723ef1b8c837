"""Issue 17, W105 walkthrough finding 2: a data set sorted by label and never shuffled read, from its first three
batches (each all class 0), 'the targets ... are far from balanced: the commonest, class 0 of 4, is 100% of the 192
read', with the remedy to leave class 0 out of the loss; the whole set was 14/21/34/30%, and shuffling was never
named. Batches that each hold one class alone now read as what they are. References: the script's own batches."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(shuffle: bool):
    g = torch.Generator().manual_seed(0)
    share = torch.tensor([0.14, 0.21, 0.34, 0.31])
    y = torch.multinomial(share, 4096, replacement=True, generator=g).sort().values  # sorted by label
    x = torch.randn(4, 20, generator=g)[y] * 1.5 + torch.randn(4096, 20, generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    batches = []
    with Monitor(model, every=2, chance_loss=math.log(4)) as mon:
        for t in range(60):
            order = torch.randperm(4096, generator=g) if shuffle else torch.arange(4096)
            i = order[(t % 64) * 64:(t % 64 + 1) * 64]
            with mon.step() as s:
                loss = F.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            batches.append(y[i])
            opt.step()
            opt.zero_grad()
    return mon.report(), batches


def test_batches_of_one_class_each_are_said_to_come_from_a_set_not_shuffled():
    report, batches = _run(shuffle=False)
    first = [b.unique().tolist() for b in batches[:6]]
    assert all(len(u) == 1 for u in first)  # the premise: the first batches hold one class each
    r = report.reading
    said = " ".join([r.words, *(f.words for f in r.others)])
    assert "batches read (from training step" in said and "holds one class alone" in said, said
    assert "sorted by its labels" in said and "ignore_index" not in r.remedy, said
    assert r.remedy.startswith("Shuffle the training data"), r.remedy


def test_shuffled_batches_of_the_same_set_say_nothing_of_it():
    report, _ = _run(shuffle=True)
    r = report.reading
    said = " ".join([r.words, *(f.words for f in r.others)])
    assert "one class alone" not in said and "far from balanced" not in said, said
