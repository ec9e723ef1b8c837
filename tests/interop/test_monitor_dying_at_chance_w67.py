"""Issue 17, W67 walkthrough finding 2: a VAE whose KL weight (20) collapsed its posterior sat at chance (mean loss
34.87 against 34.83) and read 'dying layer: 36 of 64 units of module 'enc.3' ...' with no word of the loss: the
'starting' finding that said it was dropped when the dying layer's finding took the head. A finding the monitor puts
at the head now says where the loss stands, as diagnose's head does. Also finding 8: its remedy named 'a checkpoint
saved before training step 1' beside freshly initialised weights, the same thing. References: the script's own
losses (their mean over the window the words name) and its chance, the constant guess's BCE."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _collapsing_vae(steps=600, beta=20.0):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        n, side = 2048, 8
        r, c = torch.randint(0, side, (n,)), torch.randint(0, side, (n,))
        x_all = torch.zeros(n, side, side)
        x_all[torch.arange(n), r, :] = 1.0
        x_all[torch.arange(n), :, c] = 1.0
        x_all = x_all.view(n, -1)
        p = x_all.mean(0).clamp(1e-6, 1 - 1e-6)
        chance = float(-(p * p.log() + (1 - p) * (1 - p).log()).sum())  # the mean image's BCE, summed over pixels
        enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        heads = nn.Linear(64, 8)
        dec = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64),
                            nn.Sigmoid())
        model = nn.ModuleDict({"enc": enc, "heads": heads, "dec": dec})
        opt = torch.optim.Adam(model.parameters(), lr=2e-3)
        losses = []
        mon = Monitor(model, every=10, chance_loss=chance)
        for _ in range(steps):
            x = x_all[torch.randint(0, n, (64,))]
            with mon.step() as s:
                mu, logvar = heads(enc(x)).chunk(2, 1)
                z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
                rec = F.binary_cross_entropy(dec(z), x, reduction="sum") / 64
                kl = (-0.5 * (1 + logvar - mu ** 2 - logvar.exp())).mean(0).sum()
                loss = rec + beta * kl
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
        return mon.report(), losses, chance
    finally:
        torch.set_num_threads(threads)


def test_a_dying_layer_at_the_head_of_a_run_at_chance_says_where_the_loss_stands():
    report, losses, chance = _collapsing_vae()
    r = report.reading
    assert r.status is Status.DEAD_LAYER and r.words.startswith("dying layer"), r.words
    m = re.search(r"; the loss has not yet moved from chance after ([\d,]+) updates \(mean loss of the last (\d+) "
                  r"training steps' batches (\S+); chance, the best constant guess, is (\S+)\)", r.words)
    assert m, r.words
    n = int(m[2])
    last = report.step  # the sampled step the report is of
    assert float(m[3]) == pytest.approx(sum(losses[last - n:last]) / n, rel=5e-3)
    assert float(m[4]) == pytest.approx(chance, rel=5e-3)
    assert abs(sum(losses[last - n:last]) / n - chance) < 0.1 * chance  # the premise: at chance
    # its remedy: where the units first stopped at the first step, the fresh weights alone
    if "training step 1 " in r.remedy or r.remedy.rstrip(".").endswith("training step 1"):
        pytest.fail(r.remedy)
