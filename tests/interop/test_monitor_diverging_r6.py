"""Issue 17 (W12 item 1): the PyTorch monitor reads a loss blowing up as diverged, from the first sampled step whose
loss is past DIVERGING_LOSS x chance, on W12's two models (t13_explode.py, t4_broken.py diverge 50). The reference is
the loss the test itself records at each step."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
nn, F = torch.nn, torch.nn.functional

from actlab.interop.torch import Monitor  # noqa: E402
from actlab.readings import DIVERGING_LOSS, Status  # noqa: E402
from interop._steps import monitored_step  # noqa: E402

NEVER_AFTER = {Status.STARTING, Status.HEALTHY, Status.VANISHING, Status.NO_GRADIENT, Status.FLOWING}


def run(model, x, y, lossf, lr, chance, steps, every):
    opt = torch.optim.SGD(model.parameters(), lr)
    mon = Monitor(model, every=every, chance_loss=chance)
    seen = []  # (step, loss this step, reading) on each sampled step
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(x), (64,))
        loss = monitored_step(mon, model, x[idx], y[idx], loss_fn=lossf)
        if (step - 1) % every == 0:
            seen.append((step, loss.item(), mon.report().reading))
        opt.step()
        opt.zero_grad()
    mon.close()
    return seen


def check(seen, chance):
    past = [i for i, (_, loss, _) in enumerate(seen) if math.isfinite(loss) and loss > DIVERGING_LOSS * chance]
    assert past, [loss for _, loss, _ in seen]
    first = past[0]
    for step, loss, r in seen[:first]:
        assert r.status is not Status.DIVERGED, (step, loss, r.words)
    for step, loss, r in seen[first:]:
        assert r.status is Status.DIVERGED and r.is_failure, (step, loss, r.words)
        # no ratio of enormous gradients reads as vanishing; a layer whose every unit is off is a second cause, and
        # stays (R9, W14 item 7)
        kept = {f.status for f in r.findings if f.status is not Status.VANISHING or not f.evidence.get("off_layers")}
        assert not (kept & NEVER_AFTER), (step, loss, r.to_dict())
        assert "clip" in r.remedy or not math.isfinite(loss)
    return seen[first]


def test_w12s_tanh_regression_under_sgd_at_lr_0_3_reads_diverged_from_the_step_it_passes_the_limit():
    torch.manual_seed(0)
    x = torch.randn(1000, 10)
    y = x.sum(1, keepdim=True)
    model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    chance = y.var().item()
    step, loss, r = check(run(model, x, y, F.mse_loss, 0.3, chance, 40, 1), chance)
    assert step <= 8 and "diverging: the loss has grown to" in r.words and "times chance" in r.words


def test_w12s_relu_classifier_at_lr_50_sampled_every_5_reads_diverged_at_sampled_step_6():
    torch.manual_seed(0)
    x = torch.randn(2000, 20)
    y = (x @ torch.randn(20, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
    step, loss, r = check(run(model, x, y, F.cross_entropy, 50.0, math.log(5), 60, 5), math.log(5))
    assert step == 6 and loss > 1e20  # W12's log: 1.01e23 at sampled step 6, which read "vanishing"
    assert "vanishing" not in r.words and "ReLU, GELU or SiLU instead" not in r.remedy


def test_a_healthy_torch_run_never_reads_diverged():
    torch.manual_seed(0)
    x = torch.randn(1000, 10)
    y = x.sum(1, keepdim=True)
    model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    seen = run(model, x, y, F.mse_loss, 0.01, y.var().item(), 200, 10)
    assert all(r.status is not Status.DIVERGED for _, _, r in seen)
    assert seen[-1][2].status is Status.HEALTHY
