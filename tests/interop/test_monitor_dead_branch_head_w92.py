"""Issue 17, W92 walkthrough finding 6: a two-headed model whose regression branch is dead from the start (its ReLU
layer's bias at -10). The branch's head, 'reg.2', gets a weight gradient of exactly 0 because its input is 0; the
reading added 'vanishing at weights no watched activation follows: ... what follows it is not watched (a
torch.where, an activation written by hand ...)', though nothing follows a head. The weights right after a layer
whose every unit is off are left to the dead layer's finding. References: the script's own .grad record and its
count of the branch's units off on every input."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class _TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(10, 64), nn.ReLU())
        self.cls = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3))
        self.reg = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h)


def test_a_head_after_a_dead_branch_is_left_to_the_dead_layer(tmp_path):
    torch.manual_seed(2)
    x = torch.randn(4000, 10)
    y_cls = (x @ torch.randn(10, 3)).argmax(1)
    y_reg = (torch.sin(x[:, 0] * 2) + x[:, 1] * x[:, 2]).unsqueeze(1)
    model = _TwoHeads()
    with torch.no_grad():
        model.reg[0].bias.fill_(-10.0)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    head_grads = []
    # (a log: a report is built at every sampled step, the latest of which the finding on weights is read over)
    with Monitor(model, every=5, chance_loss=math.log(3) + float(y_reg.var()), log=tmp_path / "run.jsonl") as mon:
        for t in range(200):
            i = torch.randint(0, 4000, (128,), generator=torch.Generator().manual_seed(t))
            with mon.step() as s:
                out_cls, out_reg = model(x[i])
                loss = F.cross_entropy(out_cls, y_cls[i]) + F.mse_loss(out_reg, y_reg[i])
                loss.backward()
                s.loss = loss
            head_grads.append(float(model.reg[2].weight.grad.norm()))
            opt.step()
            opt.zero_grad()
    with torch.no_grad():
        off = int((model.reg[0](model.trunk(x)) <= 0).all(0).sum())
    assert off == 32 and max(head_grads) == 0.0  # the premise: the branch is dead, its head gets nothing
    r = mon.report().reading
    assert r.status == "dead_layer" and "module 'reg.1' (ReLU)" in r.words, r.words
    said = " ".join(f.words for f in r.findings)
    assert "no watched activation follows" not in said and "torch.where" not in said, said
