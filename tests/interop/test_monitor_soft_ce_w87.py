"""Issue 17, W87 walkthrough findings 1 and 7: a cross-entropy against soft targets (labels smoothed, a teacher's
probabilities) has a floor, the targets' own entropy, that no model gets under. Label smoothing 0.8 over 10 classes,
its floor 5.5% below ln 10, reached at 100% accuracy, read 'not learning' after 1,112 updates; at 0.1 the reading said
'78% below chance' of a run at its floor. The targets are read back from the outputs and their gradient (k (softmax -
q), k fixed by the reduction, checked against the loss), a note gives the floor, and a run MOVED_FRACTION of the way
from chance to it is learning. A KL divergence, or a cross-entropy times T^2, is not read (its factor is not the
reduction's). References: the closed form of a smoothed label's entropy, and the test's own targets' entropy."""

from __future__ import annotations

import math
import re

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

C = 10


def _smoothed_floor(eps: float) -> float:
    on, off = 1 - eps + eps / C, eps / C
    return -(on * math.log(on) + (C - 1) * off * math.log(off))


def _run(kind: str, steps: int):
    g = torch.Generator().manual_seed(0)
    centres = 3 * torch.randn(C, 8, generator=g)
    y_all = torch.randint(0, C, (2048,), generator=g)
    x_all = centres[y_all] + 0.3 * torch.randn(2048, 8, generator=g)  # separable: every label can be learned
    teacher = torch.softmax(x_all @ torch.randn(8, C, generator=g) / 2, 1)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, C))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    own = []
    with Monitor(model, every=5, chance_loss=math.log(C)) as mon:
        for t in range(steps):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                out = model(x_all[i])
                if kind.startswith("smooth"):
                    loss = F.cross_entropy(out, y_all[i], label_smoothing=float(kind[6:]))
                elif kind == "teacher":
                    loss = F.cross_entropy(out, teacher[i])
                elif kind == "kl":
                    loss = F.kl_div(F.log_softmax(out, 1), teacher[i], reduction="batchmean")
                else:  # "scaled": a cross-entropy times T^2, as distillation writes it
                    loss = 16 * F.cross_entropy(out, teacher[i])
                loss.backward()
                s.loss = loss
            own.append(loss.item())
            opt.step()
            opt.zero_grad()
    return mon.report(), own, teacher


def _floor_said(report):
    note = next((n for n in report.notes if n.startswith("the targets are soft")), None)
    if note is None:
        return None
    m = re.search(r"no model's cross-entropy gets under their own entropy, (\S+) over", note)
    assert m, note
    return float(m[1])


@pytest.mark.parametrize("eps", [0.1, 0.8])
def test_label_smoothing_s_floor_is_said_and_a_run_at_it_is_learning(eps):
    report, own, _ = _run(f"smooth{eps}", 1100)
    floor = _smoothed_floor(eps)
    assert sum(own[-50:]) / 50 < floor + 0.1 * (math.log(C) - floor)  # the premise: near its floor
    assert _floor_said(report) == pytest.approx(floor, abs=6e-3)  # (3 figures, rows near one-hot all)
    r = report.reading
    assert r.status.value == "healthy", r.words
    assert "not learning" not in r.words


def test_a_teacher_s_probabilities_give_their_own_entropy_as_the_floor():
    report, _, teacher = _run("teacher", 200)
    # the batches read: the latest 5 sampled steps (every=5 from step 1), step S drawn with seed S - 1
    latest = [report.step - 5 * k for k in range(5)]
    q = [teacher[torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t - 1))] for t in latest]
    entropy = sum(float(-(b * b.log()).sum(1).mean()) for b in q) / 5
    assert _floor_said(report) == pytest.approx(entropy, rel=5e-3)


@pytest.mark.parametrize("kind", ["kl", "scaled"])
def test_a_kl_divergence_or_a_scaled_cross_entropy_gets_no_floor(kind):
    report, _, _ = _run(kind, 60)
    assert _floor_said(report) is None, report.notes


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(2, 40), st.floats(0.05, 3.0))
def test_the_floor_read_back_is_the_targets_entropy_and_under_every_loss(seed, classes, rows, spread):
    """Whatever is called a floor holds: read back from logits and a gradient made by the closed form k (softmax - q),
    it is the targets' mean entropy (numpy, independent of the reader's arithmetic), and by Gibbs' inequality under
    the cross-entropy of any prediction; the same gradient beside a KL divergence's value (the loss less that
    entropy) is not read. Float32-free: the arrays are float64, as the monitor reads them."""
    import numpy as np

    from actlab.interop._monitor_lossread import read_soft_cross_entropy

    rng = np.random.default_rng(seed)
    z = rng.normal(0, spread, (rows, classes))
    q = rng.dirichlet(np.ones(classes), rows)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    g = (p - q) / rows
    ce = float(-(q * np.log(p)).sum(1).mean())
    entropy = float(-(q * np.log(q)).sum(1).mean())
    found = read_soft_cross_entropy(z, g, ce)
    assert found is not None
    assert found[0] == pytest.approx(ce, rel=1e-9) and found[1] == pytest.approx(entropy, rel=1e-6, abs=1e-9)
    assert found[1] <= ce + 1e-12
    kl = ce - entropy
    if kl > 1e-3 * ce:  # (a KL of 0, every prediction equal to its target, is the cross-entropy's own value)
        assert read_soft_cross_entropy(z, g, kl) is None


def test_mixup_s_floor_follows_the_latest_batches_and_a_hard_batch_keeps_it():
    """W88 walkthrough findings 5 and 6: Mixup's floor, its batches' targets' entropy (0.05 to 0.63 a batch, lambda
    drawn per batch), was taken from the first 3 reads and never updated; under CutMix one batch of hard targets (a
    lambda of 1) dropped the note for good. Soft targets on a small output are now read on every sampled step, the
    floor is the mean over the latest 5 reads, and a hard batch among them counts as 0. Reference: the test's own
    targets' mean entropy on those sampled steps."""
    g = torch.Generator().manual_seed(0)
    centres = 3 * torch.randn(C, 8, generator=g)
    y_all = torch.randint(0, C, (2048,), generator=g)
    x_all = centres[y_all] + 0.3 * torch.randn(2048, 8, generator=g)
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, C))
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    entropy = {}
    beta = torch.distributions.Beta(0.4, 0.4)
    with Monitor(model, every=5, chance_loss=math.log(C)) as mon:
        for t in range(1, 201):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            j = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(10_000 + t))
            lam = 1.0 if t % 10 == 1 else float(beta.sample())  # a hard batch on every other sampled step
            target = lam * F.one_hot(y_all[i], C).float() + (1 - lam) * F.one_hot(y_all[j], C).float()
            q = target.clamp_min(1e-30)
            entropy[t] = float(-(target * q.log()).sum(1).mean())
            with mon.step() as s:
                loss = F.cross_entropy(model(lam * x_all[i] + (1 - lam) * x_all[j]), target)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    report = mon.report()
    latest = [report.step - 5 * k for k in range(5)]  # the latest 5 sampled steps (every=5 from step 1)
    assert any(entropy[t] == 0 for t in latest) and any(entropy[t] > 0 for t in latest)  # the premise: both kinds
    want = sum(entropy[t] for t in latest) / 5
    note = next((n for n in report.notes if n.startswith("the targets are soft")), None)
    assert note, report.notes
    m = re.search(r"their own entropy, (\S+) over the 5 batches read at training steps ([\d,]+) to ([\d,]+);", note)
    assert m, note
    assert (int(m[2]), int(m[3])) == (latest[-1], latest[0])
    assert float(m[1]) == pytest.approx(want, rel=5e-3, abs=1e-3)
