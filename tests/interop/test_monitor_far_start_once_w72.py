"""A start far above chance is said once in the headline (issue 17, W72 walkthrough finding 5: a Tanh regression on
targets of mean 500 read 'vanishing: ... and the network is not learning: ...; the first loss, 2.47e+05 at training
step 1, was already 79 times chance: the outputs began far from the targets; the first loss, 2.47e+05 at training
step 1, was already 79 times chance: ...'). Reference: the script's own first loss and targets' variance."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_the_far_start_is_said_once_beside_a_not_learning_finding():
    torch.manual_seed(0)
    x = torch.randn(4000, 10)
    y = 500 + 100 * torch.tanh(x @ torch.randn(10, 1) / 3) + 5 * torch.randn(4000, 1)
    chance = y.var().item()
    model = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=1, chance_loss=chance)
    first = None
    for _ in range(200):
        i = torch.randint(0, 4000, (128,))
        loss = monitored_step(mon, model, x[i], y[i], opt, loss_fn=F.mse_loss)
        first = loss.item() if first is None else first
    words = mon.report().reading.words
    said = f"the first loss, {first:.3g} at training step 1, was already {first / chance:.2g} times chance"
    assert words.count(said) == 1, words
    assert "not learning" in words  # the premise: the not-learning finding joins the headline, and says it too
