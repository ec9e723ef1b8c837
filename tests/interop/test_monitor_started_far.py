"""Issue 17: a regression on targets of mean 500 and variance 0.86 (chance_loss) fell steadily from 2.5e5 to 19 over
800 steps and read 'diverging: the loss has grown to 2.39e+05 ... lower the learning rate', then 'starting: ... above
where a run begins' with nothing to do. A run whose first loss is far above chance began far from its targets: it is
read so, with a remedy about the targets, and never as a divergence while it has not climbed past its start. The
reference: the script's own losses."""

from __future__ import annotations

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def test_a_run_that_begins_far_above_chance_and_comes_down_is_no_divergence():
    torch.manual_seed(0)
    X = torch.randn(2048, 10)
    y = torch.sin(X[:, :2]).sum(1, keepdim=True) + 500
    chance = float(y.var())
    model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), 1e-2)
    losses, readings = [], []
    with Monitor(model, every=10, chance_loss=chance) as mon:
        for t in range(300):
            idx = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(t))
            losses.append(monitored_step(mon, model, X[idx], y[idx], opt, nn.functional.mse_loss).item())
            readings.append(mon.report().reading)
    assert losses[0] > 1e5 * chance and max(losses) <= losses[0] * 1.05 and losses[-1] < losses[0] / 10  # premise
    for r in readings:
        assert r.status.value == "starting" and r.words.startswith("starting far from chance"), r.words
        assert "diverg" not in r.words
        assert f"the first loss, {losses[0]:.3g} at training step 1, was already" in r.words
        assert r.remedy.startswith("A first loss this far above chance means the outputs start far from the targets: "
                                   "standardise the targets")
    assert f"and the loss has come down to {mon.report().reading.evidence['loss']:.3g} since" in readings[-1].words
