"""Issue 17, W89 walkthrough finding 2: a hand-written recurrent cell returning (logits, state), trained with one
`with mon.step()` block per micro-batch and s.loss = loss / 4, read '75% below chance, and it began there ... as a
model trained before' from its first step and 'healthy ... 78% below chance' at block 200, where the true loss was 13%
below chance. The loss is read back from the model's output only where that output is one tensor, so a tuple was never
read. It is now read from the first floating tensor of one dimension or more in a tuple or a dict, and the factor is
found as for a bare tensor. The reference: the factor the script divides by, and its own losses."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

V, H, K = 8, 32, 4


class Cell(nn.Module):
    def __init__(self, form):
        super().__init__()
        self.form = form
        self.ih, self.hh, self.head = nn.Linear(V, H), nn.Linear(H, H, bias=False), nn.Linear(H, V)

    def forward(self, x):
        h = torch.zeros(x.shape[0], H)
        for t in range(x.shape[1]):
            h = torch.tanh(self.ih(x[:, t]) + self.hh(h))
        logits = self.head(h)
        # a Hugging Face-like dict leads with a 0-d loss, then the logits
        return (logits, h) if self.form == "tuple" else {"aux": logits.square().mean(), "logits": logits, "state": h}


def _logits(out):
    return out[0] if isinstance(out, tuple) else out["logits"]


def _copy_batch(g, n=16, t=6):
    first = torch.randint(0, V, (n,), generator=g)
    tokens = torch.randint(0, V, (n, t), generator=g)
    tokens[:, 0] = first
    return F.one_hot(tokens, V).float(), first


@pytest.mark.parametrize("form", ["tuple", "dict"])
def test_a_loss_divided_by_the_micro_batches_is_found_through_a_tuple_or_a_dict(form):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = Cell(form)
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    given = []
    with Monitor(model, every=1, chance_loss=math.log(V)) as mon:
        for _ in range(30):
            for _ in range(K):
                x, y = _copy_batch(g)
                with mon.step() as s:
                    loss = F.cross_entropy(_logits(model(x)), y) / K
                    loss.backward()
                    s.loss = loss
                given.append(loss.item())
            opt.step()
            opt.zero_grad()
        report = mon.report()
    words = report.reading.words
    assert report.status == "flowing", words
    assert "s.loss is 0.25 times the batch's mean cross-entropy" in words, words
    assert "began" not in words and "below chance, and it began there" not in words
    mean = sum(given[-50:]) / 50
    m = re.search(r"the mean of s.loss over the last 50 training steps' batches, ([\d.]+), is ([\d.]+) on the "
                  r"cross-entropy's scale \(divided by 0.25\)", words)
    assert m, words
    assert float(m[1]) == float(f"{mean:.3g}") and float(m[2]) == float(f"{mean * K:.3g}")


def test_an_undivided_loss_through_a_tuple_is_judged_as_given():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = Cell("tuple")
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    with Monitor(model, every=1, chance_loss=math.log(V)) as mon:
        for _ in range(20):
            x, y = _copy_batch(g)
            with mon.step() as s:
                loss = F.cross_entropy(model(x)[0], y)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
        report = mon.report()
    assert report.status == "starting" and "not judged" not in report.reading.words, report.reading.words
