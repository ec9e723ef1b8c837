"""A binary cross-entropy read back from the outputs' gradient (issue 17, W68 walkthrough finding 2: a multi-label
model under BCEWithLogitsLoss whose eight labels were all 0 read 'healthy ... the loss is 99.9% below chance' against
chance_loss ln 2, where a constant guess of each label's frequency costs 0). The monitor reads each output's target
from the gradient (sigmoid(z) - t, one factor for all), checks the loss it gives back, and where a constant guess of
the labels' frequencies gets far under chance_loss, does not judge the loss. References: the script's own targets,
their binary entropies (with Miller and Madow's correction), and PyTorch's own loss."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.interop._monitor_lossread import read_binary_cross_entropy, read_cross_entropy  # noqa: E402
from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

LABELS, B = 8, 128


def _grad(z, t, **kwargs):
    z = z.clone().requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(z, t, **kwargs)
    loss.backward()
    return z.detach().double().numpy(), z.grad.double().numpy(), float(loss.detach())


@pytest.mark.parametrize("reduction, factor", [("mean", 1.0), ("sum", B * LABELS)])
def test_the_targets_and_the_loss_are_read_back_exactly(reduction, factor):
    g = torch.Generator().manual_seed(0)
    z = 3 * torch.randn(B, LABELS, generator=g, dtype=torch.float64)
    t = (torch.rand(B, LABELS, generator=g, dtype=torch.float64) < 0.3).double()
    zz, gg, loss = _grad(z, t, reduction=reduction)
    c, value, outputs, target = read_binary_cross_entropy(zz, gg, loss)
    assert (target == t.numpy()).all() and outputs == B * LABELS
    assert c == pytest.approx(factor, rel=1e-9)
    assert value == pytest.approx(F.binary_cross_entropy_with_logits(z, t).item(), rel=1e-12)
    assert read_cross_entropy(zz, gg, loss) is None  # no cross-entropy's gradient: each row's does not sum to 0


@pytest.mark.parametrize("kwargs", [dict(pos_weight=torch.full((LABELS,), 3.0)), dict(weight=torch.rand(LABELS))])
def test_weights_and_soft_targets_are_not_read(kwargs):
    g = torch.Generator().manual_seed(1)
    z = torch.randn(B, LABELS, generator=g, dtype=torch.float64)
    hard = (torch.rand(B, LABELS, generator=g) < 0.5).double()
    assert read_binary_cross_entropy(*_grad(z, hard, **{k: v.double() for k, v in kwargs.items()})) is None
    assert read_binary_cross_entropy(*_grad(z, 0.1 + 0.8 * hard)) is None  # label smoothing
    zz, gg, loss = _grad(z, hard)
    assert read_binary_cross_entropy(zz, gg, 2 * loss) is None  # a loss that is not the one the gradient gives


def _entropy(y):
    """Each label's binary entropy of its frequency over the targets y (rows, labels), with Miller and Madow's
    correction, averaged over the labels."""
    out = []
    for col in y.T:
        f = np.array([(col == 0).mean(), (col == 1).mean()])
        f = f[f > 0]
        out.append(float(-(f * np.log(f)).sum()) + (len(f) - 1) / (2 * len(col)))
    return float(np.mean(out))


LN2 = math.log(2)


def _run(targets, steps=40, every=1, chance=LN2):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, LABELS))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    mon = Monitor(model, every=every, chance_loss=chance)
    seen = {}
    g = torch.Generator().manual_seed(3)
    for step in range(1, steps + 1):
        x = torch.randn(B, 16, generator=g)
        y = targets(g)
        seen[step] = y.numpy()
        monitored_step(mon, model, x, y, opt, loss_fn=F.binary_cross_entropy_with_logits)
    return mon.report().reading, seen


def test_labels_all_zero_are_named_and_the_loss_not_judged():
    r, seen = _run(lambda g: torch.zeros(B, LABELS))
    assert r.status is Status.FLOWING, r.words
    m = re.search(r"the loss is not judged: the targets, read back from the outputs' gradient, are far from balanced: "
                  r"(\d+)% of the ([\d,]+) read \(8 labels a row, 3 batches, from training step (\d+) to (\d+)\) are "
                  r"(\d), so a constant guess of each label's frequency gets a binary cross-entropy of about "
                  r"([\d.e-]+), while chance_loss is 0\.693", r.words)
    assert m, r.words
    assert (int(m[1]), int(m[2].replace(",", "")), m[5]) == (100, 3 * B * LABELS, "0")
    pooled = np.concatenate([seen[t] for t in (1, 2, 3)])  # the first three sampled steps are read
    assert (int(m[3]), int(m[4])) == (1, 3)
    assert float(m[6]) == float(f"{_entropy(pooled):.3g}")
    assert r.remedy.startswith("Give Monitor(chance_loss=...) the mean over the labels"), r.remedy
    assert "a label that is the same on every row teaches nothing" in r.remedy, r.remedy


def test_a_few_rarer_labels_among_balanced_ones_are_judged():
    # six labels at 1 one time in two, two one time in five: a constant guess gets about 0.93 of ln 2
    rates = torch.tensor([0.5] * 6 + [0.2] * 2)
    r, seen = _run(lambda g: (torch.rand(B, LABELS, generator=g) < rates).float())
    pooled = np.concatenate([seen[t] for t in (1, 2, 3)])
    assert _entropy(pooled) > 0.85 * math.log(2)  # (the premise, from the script's own targets)
    assert "the loss is not judged" not in r.words and "far from balanced" not in r.words, r.words


def test_labels_mostly_zero_are_flagged_at_the_entropy_the_script_gives():
    r, seen = _run(lambda g: (torch.rand(B, LABELS, generator=g) < 0.03).float())
    pooled = np.concatenate([seen[t] for t in (1, 2, 3)])
    assert _entropy(pooled) < 0.8 * math.log(2)
    m = re.search(r"(\d+)% of the ([\d,]+) read .* are 0, .* binary cross-entropy of about ([\d.e-]+)", r.words)
    assert m, r.words
    assert int(m[1]) == round(100 * float((pooled == 0).mean()))
    assert float(m[3]) == float(f"{_entropy(pooled):.3g}")


def test_a_summed_binary_cross_entropy_is_said_as_a_sum_of_outputs():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, LABELS))
    mon = Monitor(model, every=1, chance_loss=math.log(2))
    g = torch.Generator().manual_seed(3)
    for _ in range(3):
        x, y = torch.randn(B, 16, generator=g), (torch.rand(B, LABELS, generator=g) < 0.5).float()
        monitored_step(mon, model, x, y, loss_fn=lambda out, y: F.binary_cross_entropy_with_logits(out, y,
                                                                                                   reduction="sum"))
    r = mon.report().reading
    assert f"s.loss is the sum of the binary cross-entropies of the batch's {B * LABELS:,} outputs" in r.words, r.words


def test_a_saturated_two_class_cross_entropy_is_not_read_as_a_binary_one():
    # logits of +-636 (a tanh MLP thrown by lr 40): each row's cross-entropy is 0 or the gap, as two binary
    # cross-entropies' would be; every row's gradient sums to 0, as a softmax's does (the m12 loss-history run)
    z = torch.tensor([[635.5, -636.3]] * 6, dtype=torch.float64, requires_grad=True)
    y = torch.tensor([1, 0, 1, 0, 0, 1])
    loss = F.cross_entropy(z, y)
    loss.backward()
    zz, gg = z.detach().numpy(), z.grad.numpy()
    # the cross-entropy read takes it, in the log domain (W104: -log(p_y) had been capped at 690, under the loss of
    # 1,272 that each wrong row's logits give, and no row was read)
    c, value, rows, target = read_cross_entropy(zz, gg, float(loss.detach()))
    assert c == pytest.approx(1.0) and value == pytest.approx(float(loss.detach())) and target.tolist() == y.tolist()
    assert read_binary_cross_entropy(zz, gg, float(loss.detach())) is None


def test_rare_labels_against_the_chance_the_guide_gives_are_judged():
    # W72 walkthrough finding 1: each label 1 in 0.2% of rows, chance_loss their mean binary entropy (0.0144); three
    # batches of 128 rows hold few 1s or none, and their entropy alone (about 0.01) read 'far from balanced'
    rate = 0.002
    chance = -(rate * math.log(rate) + (1 - rate) * math.log1p(-rate))
    calls = iter(range(10**6))

    def targets(g):  # the first three batches (those read) hold no 1, as 3 x 128 rows at 0.2% often do
        rare = (torch.rand(B, LABELS, generator=g) < rate).float()
        return rare if next(calls) >= 3 else torch.zeros_like(rare)

    r, seen = _run(targets, chance=chance)
    pooled = np.concatenate([seen[t] for t in (1, 2, 3)])
    assert _entropy(pooled) < 0.8 * chance  # the premise: the batches read alone say less than chance
    assert "far from balanced" not in r.words and "the loss is not judged" not in r.words, r.words


def test_a_first_loss_of_outputs_at_0_under_a_small_chance_is_where_a_classifier_begins():
    # W72 walkthrough finding 1: at PyTorch's default initialisation (logits near 0) the first loss was ln 2, 48 times
    # the exact chance of rare labels, and read 'starting far from chance ... confidently wrong outputs: the output
    # layer's results (the logits) start far from 0'
    rate = 0.002
    chance = -(rate * math.log(rate) + (1 - rate) * math.log1p(-rate))
    r, _ = _run(lambda g: (torch.rand(B, LABELS, generator=g) < rate).float(), steps=3, chance=chance)
    m = re.search(r"the first loss, ([\d.]+) at training step 1, is that of outputs at 0 \(ln 2 = 0\.693\), where a "
                  r"classifier begins, and chance_loss is (\d+) times under it", r.words)
    assert m, r.words
    assert abs(float(m[1]) / math.log(2) - 1) < 0.1 and int(m[2]) == round(float(m[1]) / chance)
    assert r.remedy.startswith("Nothing to change at the start"), r.remedy
    assert "confidently wrong" not in r.remedy and "far from 0" not in r.remedy
