"""W99 walkthrough finding 1: labels shuffled from training step 601 on, the network memorised them (its training
mean back down to 0.27 from a low of 0.084) while the held-out loss on the true labels rose from 0.69 to 4.4, twice
chance; from step 1,000 on the reading said nothing of the held-out losses it was given. A rise of the training mean
from its low had kept the held-out rise unsaid, though the held-out loss rose far more. References: the test's own
held-out losses (the median of the latest 7 by sorting) and its own training losses."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_held_out_loss_risen_far_more_than_the_training_mean_is_said():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6000, 20, generator=g)
    w1, w2 = torch.randn(20, 64, generator=g), torch.randn(64, 10, generator=g)
    y = (torch.tanh(x @ w1 / math.sqrt(20)) @ w2).argmax(1)
    xtr, ytr, xte, yte = x[:2000], y[:2000], x[2000:], y[2000:]
    shuffled = ytr[torch.randperm(2000, generator=torch.Generator().manual_seed(5))]
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    held, losses = [], []
    with Monitor(model, every=5, chance_loss=math.log(10)) as mon:
        for t in range(1, 2001):
            i = torch.randint(0, 2000, (128,), generator=g)
            losses.append(monitored_step(mon, model, xtr[i], (shuffled if t > 600 else ytr)[i], opt).item())
            if t % 50 == 0:
                with torch.no_grad():
                    held.append(F.cross_entropy(model(xte), yte).item())
                mon.held_out(held[-1])
        report = mon.report()
    median = sorted(held[-7:])[3]
    # the premise: memorised (the training mean far below chance) while the held-out loss is far above it
    assert sum(losses[-50:]) / 50 < 0.3 * math.log(10) and median > 1.5 * math.log(10), (losses[-50:], held)
    said = [f for f in report.reading.findings if f.status == "not_generalising"]
    assert said, report.reading.words
    assert f"and of the latest 7 (after steps 1,700 to 2,000) is {median:.3g}" in said[0].words, said[0].words
