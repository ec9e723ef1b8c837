"""An activation applied as a function in a branch that does not run on every step (a mixture of experts' expert
given no token) keeps its row on every step it runs (issue 17, W70 walkthrough finding 1: after a step on which an
expert got no token, its F.silu ran unwatched until the structure was next learned; experts with 1 to 7 tokens had no
row on 68 of 150 steps, and 'stopped running' named one as last run 139 steps before it last ran). References: the
experts the script ran at each step, and autograd's gradient of each expert's activation (retain_grad)."""

from __future__ import annotations

import re

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402


class Experts(nn.Module):
    """Three experts after a shared layer; the script picks which run on each step (a router's top-1, scripted)."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.experts = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))
        self.head = nn.Linear(8, 2)
        self.use: tuple[int, ...] = (0, 1, 2)
        self.seen: dict[int, torch.Tensor] = {}

    def forward(self, x):
        h = self.inp(x)
        out = torch.zeros_like(h)
        for e in self.use:
            a = F.silu(self.experts[e](h))
            a.retain_grad()
            self.seen[e] = a
            out = out + a
        return self.head(out)


# which experts run at each step: expert 2 sits out steps 2 and 4, expert 1 steps 4 to 6, then both come back
SCHEDULE = [(0, 1, 2), (0, 1), (0, 1, 2), (0,), (0, 2), (0, 2), (0, 1, 2), (0, 1, 2)]


def _run(every=1):
    torch.manual_seed(0)
    model = Experts()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    mon = Monitor(model, every=every)
    rows, grads = [], []
    for use in SCHEDULE:
        model.use, model.seen = use, {}
        with mon.step() as s:
            loss = F.cross_entropy(model(torch.randn(32, 4)), torch.randint(0, 2, (32,)))
            loss.backward()
            s.loss = loss
        report = mon.report()
        rows.append({l.name: l for l in report.layers})
        grads.append({e: a.grad.norm().item() for e, a in model.seen.items()})
        opt.step()
        opt.zero_grad()
    return mon, rows, grads


def test_an_expert_that_sat_out_a_step_has_its_row_on_every_step_it_runs():
    _, rows, grads = _run()
    for step, (use, shown, ref) in enumerate(zip(SCHEDULE, rows, grads, strict=True), start=1):
        names = {f"experts.{e}:silu" for e in use}
        assert set(shown) == names, (step, sorted(shown), use)
        for e in use:
            got = shown[f"experts.{e}:silu"].act_grad_norm
            assert abs(got - ref[e]) <= 1e-5 * ref[e], (step, e, got, ref[e])


def test_an_expert_that_sat_out_is_not_read_as_stopped_once_it_runs_again():
    mon, _, _ = _run()
    r = mon.report().reading
    assert "stopped running" not in r.words, r.words
    for note in mon.report().notes:
        assert not re.search(r"experts\.[12]\.weight' received no gradient", note), note
