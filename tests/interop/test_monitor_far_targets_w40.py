"""Issue 17, W40 walkthrough finding 5: a tanh regression on targets of mean 1,000 and spread 200 read 'starting far
from chance' at step 1 and then 'vanishing: ...' from step 71 on, with 'Try ReLU, GELU or SiLU instead of tanh': the
targets' scale was never named again, while the same model on standardised targets had no saturated unit. A gradient
headline of a run that began far above chance and is still above it now names that start, and its remedy leads with
the targets. References: the test's own forward hooks (saturated units), its own losses, and the control run on
standardised targets."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import LayerSummary, RunSummary, Status, diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def _run(standardise: bool, steps: int = 120):
    torch.manual_seed(4)
    x = torch.randn(4000, 8)
    y = torch.sin(x @ torch.randn(8)) * 200 + 1000
    if standardise:
        y = (y - y.mean()) / y.std()
    chance = y.var().item()
    model = nn.Sequential(nn.Linear(8, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    flat = []
    model[3].register_forward_hook(lambda m, i, o: flat.append(int(((1 - o.detach() ** 2).mean(0) < 0.01).sum())))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(1, steps + 1):
            i = torch.randint(0, 4000, (64,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                loss = F.mse_loss(model(x[i]).squeeze(-1), y[i])
                loss.backward()
                s.loss = loss
            losses.append(loss.item())
            opt.step()
            opt.zero_grad()
    return mon.report(), losses, flat, chance


def test_a_gradient_headline_of_a_run_far_from_its_targets_names_them_first():
    report, losses, flat, chance = _run(standardise=False)
    assert losses[0] > 30 * chance and flat[-1] == 64  # the premise: far from the targets, every unit of '3' flat
    r = report.reading
    assert r.status.value in ("vanishing", "output_saturated"), r.words
    assert (f"the first loss, {losses[0]:.3g} at training step 1, was already {losses[0] / chance:.0f} times chance: "
            "the outputs began far from the targets") in r.words, r.words
    assert "so the targets' scale may be the cause" in r.words
    assert r.remedy.startswith("A first loss this far above chance means the outputs start far from the targets: "
                               "standardise the targets"), r.remedy
    assert "If it stays once the targets are at the network's scale: " in r.remedy
    # the control: the same model on standardised targets has no flat unit and no such words
    control, _, flat_std, _ = _run(standardise=True)
    assert flat_std[-1] == 0 and "far from the targets" not in control.reading.words, control.reading.words


def test_a_far_start_is_not_said_once_the_loss_is_near_chance_or_of_a_near_start():
    layers = (LayerSummary("tanh", 64, 7e-4), LayerSummary("tanh", 64, 1.0))
    base = dict(chance_loss=2e4, steps=300, recent_losses=(9.5e5,) * 10, loss_batches=10)
    r = diagnose(RunSummary(layers, 1.0, loss=9.5e5, first_loss=(1, 1.02e6), **base))
    assert r.status is Status.VANISHING and "far from the targets" in r.words, r.words
    near = diagnose(RunSummary(layers, 1.0, loss=9.5e5, first_loss=(1, 2.1e4), **base))
    assert "far from the targets" not in near.words and near.remedy.startswith("Try ReLU"), near.remedy
    came_down = dict(base, recent_losses=(1.5e4,) * 10)
    down = diagnose(RunSummary(layers, 1.0, loss=1.5e4, first_loss=(1, 1.02e6), **came_down))
    assert "far from the targets" not in down.words, down.words
