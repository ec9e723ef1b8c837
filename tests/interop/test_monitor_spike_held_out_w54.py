"""W54 walkthrough finding 4: SGD with momentum at lr 0.1, lr 1.5 on steps 300-319: the whole training set's loss went
from 0.41 to 1.02 and the held-out loss to 1.07, and the reading added 'not generalising: ... past training step 200
the network fits its training points at the cost of new ones'. The network got worse on both sets: no reading may say
it fits the training points at the cost of new ones while the training loss itself has risen. The reference: the
whole training set's loss, taken by the test at each report and at the step each report names."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

CLASSES = 10


def test_a_held_out_rise_that_the_training_loss_shares_is_not_read_as_fitting_the_training_points():
    torch.manual_seed(0)
    x = torch.randn(8192, 20)
    teacher = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, CLASSES))
    xv = torch.randn(2048, 20)
    with torch.no_grad():
        y, yv = teacher(x).argmax(1), teacher(xv).argmax(1)
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, CLASSES))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    g = torch.Generator().manual_seed(1)
    chance = math.log(CLASSES)
    mon = Monitor(model, every=10, chance_loss=chance)
    train, said = {}, []  # the whole training set's loss before each step; the reports that say 'at the cost'
    for t in range(1, 701):
        for group in opt.param_groups:
            group["lr"] = 1.5 if 300 <= t < 320 else 0.1
        with torch.no_grad():
            train[t] = F.cross_entropy(model(x), y).item()
        i = torch.randint(0, 8192, (64,), generator=g)
        with mon.step() as s:
            loss = F.cross_entropy(model(x[i]), y[i])
            loss.backward()
            s.loss = loss
        opt.step()
        opt.zero_grad()
        if t % 50 == 0:
            with torch.no_grad():
                mon.held_out(F.cross_entropy(model(xv), yv))
        if t % 25 == 0:
            r = mon.report()
            for f in r.reading.findings:
                if "at the cost of new ones" in f.words:
                    said.append((t, f.evidence["held_out_best_step"], f.words))
    with torch.no_grad():
        train[701] = F.cross_entropy(model(x), y).item()
    assert min(train.values()) < 0.5 and max(train[t] for t in range(320, 702)) > 0.9  # the premise: the throw
    for t, best, words in said:  # where it is said, the training loss is no higher than at the step to keep
        assert train[t + 1] <= train[best] + 0.1 * chance, (t, best, train[t + 1], train[best], words)
