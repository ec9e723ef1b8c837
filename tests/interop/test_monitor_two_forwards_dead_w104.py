"""Issue 17, W104 walkthrough finding 4: a GAN's discriminator runs twice in its step (on real data, then on fakes)
and its units are read from the first forward. 21 of its units were counted dead over the real batches, 2 of which
fired on the fakes every step, and the headline said '22 of 128 hidden units are dead (off on every sampled batch ...)'
with nothing of the later forwards. The count stays the first forward's; the layer's line and the headline now say
which forward it is of. Reference: the script's own forward hooks on both forwards."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(twice: bool):
    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    with torch.no_grad():  # units 0-3 fire only where x[0] > 5: never on the real points, always on the fakes
        d[0].weight[:4] = torch.tensor([1.0, 0.0])
        d[0].bias[:4] = -5.0
    opt = torch.optim.SGD(d.parameters(), lr=1e-4)
    on_fake = torch.zeros(16, dtype=torch.bool)
    g = torch.Generator().manual_seed(1)
    with Monitor(d, every=1, chance_loss=math.log(2)) as mon:
        for _ in range(40):
            real = torch.randn(64, 2, generator=g)
            fake = torch.randn(64, 2, generator=g) + torch.tensor([10.0, 0.0])
            with mon.step() as s:
                loss = F.binary_cross_entropy_with_logits(d(real), torch.ones(64, 1))
                if twice:
                    out = d(fake)
                    on_fake |= (d[1](d[0](fake)) > 0).any(0)
                    loss = loss + F.binary_cross_entropy_with_logits(out, torch.zeros(64, 1))
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    return mon.report(), on_fake


def test_units_read_from_the_first_of_two_forwards_say_so_where_they_are_counted():
    report, on_fake = _run(twice=True)
    row = report.layers[0]
    assert set(range(4)) <= set(row.dead_units), row.dead_units  # off on every real batch
    assert on_fake[:4].all()  # the premise: each of them fired on every step's fakes
    line = row.words
    assert "read from each sampled step's first forward" in line and "may fire on the later forwards" in line, line
    said = report.reading.words + " ".join(f.words for f in report.reading.others)
    assert "of each step's first forward" in said and "later forwards, which are not read" in said, said
    assert any("forward ran 2 times in one step" in n for n in report.notes), report.notes


def test_one_forward_a_step_says_nothing_of_later_forwards():
    report, _ = _run(twice=False)
    said = " ".join([report.reading.words, *(f.words for f in report.reading.others),
                     *(row.words for row in report.layers)])
    assert "first forward" not in said and "later forwards" not in said, said
    assert set(range(4)) <= set(report.layers[0].dead_units)
