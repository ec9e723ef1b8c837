"""Issue 17, W85 walkthrough finding 5: an autoencoder's binary cross-entropy on targets between 0 and 1 read '48%
below chance (... 0.364; chance ... 0.693)', both figures right, while no model gets under the targets' own entropy,
0.355 there: '48%' read as half-trained of a run at its floor. The targets are read back from the outputs and their
gradient, and a note gives that floor. Reference: the binary entropy of the test's own targets (one batch, the same
on every step, so the floor is known exactly), and its own loss means."""

from __future__ import annotations

import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


def _run(form: str, steps: int = 200):
    g = torch.Generator().manual_seed(1)
    x = torch.sigmoid(torch.randn(100, 3, generator=g) @ (2 * torch.randn(3, 20, generator=g))
                      + 0.1 * torch.randn(100, 20, generator=g))
    if form == "hard":
        x = (x > 0.5).float()
    chance = float(F.binary_cross_entropy(x.mean(0).expand_as(x), x))
    floor = float(F.binary_cross_entropy(x, x))  # the targets' own entropy, per value
    torch.manual_seed(0)
    probabilities = form in ("probabilities", "hard", "weighted", "scaled")
    model = nn.Sequential(nn.Linear(20, 64), nn.ELU(), nn.Linear(64, 20), *([nn.Sigmoid()] if probabilities else []))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    own = []
    with Monitor(model, every=5, chance_loss=chance) as mon:
        for _ in range(steps):
            with mon.step() as s:
                out = model(x)
                if form == "logits":
                    loss = F.binary_cross_entropy_with_logits(out, x)
                elif form == "weighted":
                    loss = F.binary_cross_entropy(out, x, weight=torch.full((20,), 0.5))
                elif form == "scaled":
                    loss = 2 * F.binary_cross_entropy(out, x)
                else:
                    loss = F.binary_cross_entropy(out, x)
                loss.backward()
                s.loss = loss
            own.append(loss.item())
            opt.step()
            opt.zero_grad()
    return mon.report(), own, chance, floor


@pytest.mark.parametrize("form", ["probabilities", "logits"])
def test_soft_targets_floor_is_their_own_entropy_and_the_note_says_how_near_the_loss_is(form):
    report, own, chance, floor = _run(form)
    note = next((n for n in report.notes if n.startswith("the targets are soft")), None)
    assert note, report.notes
    m = re.search(r"no model's binary cross-entropy gets under their own entropy, (\S+) over the (\d+) batches read "
                  r"at training steps [\d,]+ to [\d,]+; the judged mean loss, (\S+), is (\S+) above it, ([\d.]+)% of "
                  r"the way from chance \((\S+)\) down to it", note)
    assert m, note
    assert m[1] == f"{floor:.3g}"  # (one batch, the same on every step: the floor of every batch read)
    # the judged mean: the 50 training steps' batches up to the step reported (every step gave s.loss)
    loss = sum(own[report.step - 50:report.step]) / 50
    assert m[3] == f"{loss:.3g}" and float(m[4]) == pytest.approx(loss - floor, rel=0.02)
    assert float(m[5]) == pytest.approx(100 * (chance - loss) / (chance - floor), abs=0.6)
    assert m[6] == f"{chance:.3g}"


@pytest.mark.parametrize("form", ["hard", "weighted", "scaled"])
def test_no_floor_is_said_where_the_targets_are_hard_or_the_loss_cannot_be_read_back(form):
    report, _, _, _ = _run(form, steps=40)
    assert not any(n.startswith("the targets are soft") for n in report.notes), report.notes


def test_hard_labels_under_bce_on_probabilities_are_read_and_their_balance_judged():
    """W87 walkthrough finding 6: nn.BCELoss after nn.Sigmoid on labels as rare as 0.3%, chance_loss ln 2 while the
    labels' mean binary entropy was 0.313, read 'healthy ... 94% below chance' with no word of their balance, which
    the same labels under BCEWithLogitsLoss get. Their 0s and 1s are now read back on probabilities too. Reference:
    the labels' own mean binary entropy over the whole set."""
    import math

    g = torch.Generator().manual_seed(0)
    x = torch.randn(4000, 12, generator=g)
    score = x @ torch.randn(12, 6, generator=g)
    freqs = torch.tensor([0.5, 0.2, 0.1, 0.05, 0.02, 0.01])
    y = (score > torch.stack([score[:, j].quantile(1 - freqs[j]) for j in range(6)])).float()
    f = y.mean(0)
    entropy = float((-(f * f.log() + (1 - f) * (1 - f).log())).mean())
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 6), nn.Sigmoid())
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    with Monitor(model, every=5, chance_loss=math.log(2)) as mon:
        for t in range(40):
            i = torch.randint(0, 4000, (128,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                loss = nn.BCELoss()(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    r = mon.report().reading
    m = re.search(r"the targets, read back from the outputs' gradient, are far from balanced: \d+% of the [\d,]+ read "
                  r"\(6 labels a row, 3 batches, from training step \d+ to \d+\) are 0, so a constant guess of each "
                  r"label's frequency gets a binary cross-entropy of about (\S+), while chance_loss is 0.693", r.words)
    assert m, r.words
    assert float(m[1]) == pytest.approx(entropy, rel=0.2)  # (from 3 batches of 128 rows, not the whole set)
