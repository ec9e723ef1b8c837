"""Issue 17, W19 finding 1, under the Monitor: a Gaussian negative log-likelihood that learns (its loss falls through 0)
read 'diverged' on every report from step 51 on, with the remedy to lower the learning rate and restart. The
reference is the run's own losses, taken beside the Monitor: they fall."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_gaussian_nll_that_learns_below_zero_never_reads_diverged():
    every = 10
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    x = torch.randn(512, 4)
    y = x[:, :1] + 0.05 * torch.randn(512, 1)
    losses, statuses = [], []
    with Monitor(model, every=every) as mon:
        for _ in range(300):
            i = torch.randint(0, 512, (64,))
            loss = monitored_step(mon, model, x[i], y[i], opt,
                                  loss_fn=lambda out, y: F.gaussian_nll_loss(out[:, :1], y, out[:, 1:].exp()))
            losses.append(loss.item())
            if len(losses) % 25 == 0:
                statuses.append(mon.report().status)
    assert losses[0] > 0 > losses[-1], (losses[0], losses[-1])  # it learned: from above 0 to below it
    assert sum(losses[-20:]) < sum(losses[:20])
    r = mon.report()
    assert Status.DIVERGED not in statuses, statuses
    assert "diverg" not in r.reading.words, r.reading.words
