"""A first held-out loss given only after the network memorised its training points is no sign of targets built
otherwise (issue 17, W103 walkthrough finding 2: 256 points with 30% of their labels noise, the first held-out loss at
step 300, 2.09 against a chance of 1.61, read 'every held-out loss given since training began is above chance ... as
one trained on targets built otherwise than the held-out ones does from its first steps' with 'Check first that the
training targets are built as the held-out ones are'). References: the training and held-out accuracies computed
here, and the commonest class's share of the held-out points."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402


@pytest.fixture(scope="module")
def memorised():
    x, y = clusters(spread=0.5, n=2256, dim=20, classes=5)
    g = torch.Generator().manual_seed(3)
    xt, yt, xv, yv = x[:256], y[:256].clone(), x[256:], y[256:]
    noisy = torch.rand(256, generator=g) < 0.3
    yt[noisy] = torch.randint(0, 5, (int(noisy.sum()),), generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 5))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=10, chance_loss=math.log(5))
    seen = {}
    for step in range(1, 601):
        idx = torch.randint(0, 256, (64,), generator=g)
        monitored_step(mon, model, xt[idx], yt[idx], opt)
        if step % 300 == 0:
            with torch.no_grad():
                held, out = float(F.cross_entropy(model(xv), yv)), model(xv).argmax(1)
                train_acc = float((model(xt).argmax(1) == yt).float().mean())
            mon.held_out(held)
            seen[step] = (mon.report().reading, held, train_acc, float((out == yv).float().mean()))
    mon.close()
    return seen, float(torch.bincount(yv).max()) / len(yv)


def test_a_late_first_held_out_loss_reads_memorising_not_mismatched_targets(memorised):
    seen, commonest = memorised
    for step, (reading, held, train_acc, held_acc) in seen.items():
        # the premise: memorised, the held-out loss above chance, yet far better than the constant guess on accuracy
        # (the held-out targets are built as the training ones are)
        assert train_acc > 0.95 and held > math.log(5) and held_acc > commonest + 0.1, (step, train_acc, held, held_acc)
        assert reading.status == "not_generalising", (step, reading.words)
        assert "the network memorises the training points" in reading.words, (step, reading.words)
        assert "since training began" not in reading.words and not reading.remedy.startswith("Check first"), \
            (step, reading.words, reading.remedy)
        # what is not known is said, and the remedy asks for it first
        assert "but none was given before the training loss came 10% below chance, at training step" in reading.words
        assert reading.remedy.startswith("Give a held-out loss from the first steps on"), reading.remedy
