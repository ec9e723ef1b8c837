"""L22: W21's scripts s19, s19b and s06 (finding 1), small and seeded. A model that cannot learn (regression targets
drawn fresh from N(0, 1), independent of the inputs; chance_loss 1, the targets' variance, as docs/monitor.md
advises) read 'healthy' on 39 of 300 sampled steps and 'not learning any more' on 214 at batch 16 (11 and 191 at
batch 64), and s06's regression MLP, whose full-data loss never went below chance, flipped healthy <-> not learning
from its first sampled step on. Each must read 'starting' on every sampled step: nothing the batches show is beyond
their noise."""

import collections

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.monitor_log import read_log  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def statuses(path):
    _, reports = read_log(path)
    return [r["reading"]["status"] for r in reports]


@pytest.mark.parametrize("batch", [16, 64])
def test_pure_noise_targets_read_starting_throughout(tmp_path, batch):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    log = tmp_path / "noise.jsonl"
    with Monitor(model, every=1, log=str(log), chance_loss=1.0) as mon:
        for _ in range(150):
            x, y = torch.randn(batch, 16), torch.randn(batch, 1)
            with mon.step() as s:
                loss = F.mse_loss(model(x), y)
                loss.backward()
                s.loss = loss
            opt.step()
            opt.zero_grad()
    # the reference: the held-out loss of what was learned is no lower than chance (nothing can be learned)
    xt, yt = torch.randn(20000, 16), torch.randn(20000, 1)
    with torch.no_grad():
        assert F.mse_loss(model(xt), yt).item() > 0.97
    seen = statuses(log)
    assert len(seen) == 150
    assert collections.Counter(seen) == {"starting": 150}, collections.Counter(seen)


def test_a_regression_mlp_at_chance_reads_starting_from_its_first_step(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.PReLU(), nn.Linear(32, 32), nn.Hardswish(), nn.Linear(32, 32),
                          nn.Mish(), nn.Linear(32, 32), nn.SELU(), nn.Linear(32, 32), nn.Softplus(beta=2),
                          nn.Linear(32, 1))
    with torch.no_grad():
        model[2].bias[:6] = -20.0
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(512, 8)
    y = x[:, :1] * x[:, 1:2]
    chance = y.var().item()
    full = []
    log = tmp_path / "acts.jsonl"
    with Monitor(model, every=1, log=str(log), chance_loss=chance) as mon:
        for _ in range(60):
            i = torch.randint(0, 512, (32,))
            monitored_step(mon, model, x[i], y[i], opt, loss_fn=F.mse_loss)
            with torch.no_grad():
                full.append(F.mse_loss(model(x), y).item())
    assert min(full) > 0.9 * chance  # the reference: the full data's loss never came 10% below chance
    seen = statuses(log)
    assert seen[0] == "starting" and collections.Counter(seen) == {"starting": 60}, collections.Counter(seen)
