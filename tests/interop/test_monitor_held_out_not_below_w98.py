"""W98 walkthrough finding 5: a distillation (KL divergence times T^2) on a teacher's soft targets shuffled apart from
their inputs, its training mean 4.9% below chance and its held-out losses above chance, read 'not learning' with no
word of the held-out losses it was given and a remedy to 'compare with a held-out loss'. The held-out losses are now
said, and where they are not below chance the remedy leads with targets that do not follow their inputs. References:
the test's own held-out losses (their median by sorting) and its own chance, the best constant guess's loss."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

T = 4.0


def _mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def _kd(out, q):
    return F.kl_div(F.log_softmax(out / T, 1), q, reduction="batchmean") * T * T


def test_a_distillation_on_shuffled_soft_targets_says_its_held_out_losses_and_what_they_mean():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6000, 20, generator=g)
    teacher = _mlp(7)
    with torch.no_grad():
        teacher[-1].weight.mul_(8)  # a teacher with confident outputs, so that its soft targets say something
        q = F.softmax(teacher(x) / T, 1)
    xtr, qtr, xte, qte = x[:5000], q[:5000], x[5000:], q[5000:]
    qtr = qtr[torch.randperm(5000, generator=g)]  # shuffled apart from their inputs
    mean_q = qtr.mean(0, keepdim=True)
    chance = float((qtr * (qtr.log() - mean_q.log())).sum(1).mean() * T * T)  # the best constant guess's loss
    model = _mlp(1)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    held, losses = [], []
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(1, 1501):
            i = torch.randint(0, 5000, (64,), generator=g)
            losses.append(monitored_step(mon, model, xtr[i], qtr[i], opt, loss_fn=_kd, sample=t == 1500).item())
            if t % 100 == 0:
                with torch.no_grad():
                    held.append(_kd(model(xte), qte).item())
                mon.held_out(held[-1])
        report = mon.report()
    median = sorted(held[-7:])[3]
    mean = sum(losses[-50:]) / 50
    assert median >= 0.99 * chance and 0.9 * chance < mean < chance, (median, mean, chance)  # the premise
    words, remedy = report.reading.words, report.reading.remedy
    assert report.status == "not_learning", words
    assert f"the latest 7 held-out losses (given after training steps 900 to 1,500) have a median of {median:.3g}" \
        in words, words
    assert remedy.startswith("The held-out losses are not below chance") and "compare with a held-out loss" not in \
        remedy, remedy
