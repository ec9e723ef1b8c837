"""W76 walkthrough findings 1 to 3, on the walkthrough's own scripts: a blow-up after the last sampled step under a
chance_loss that does not fit the targets ended 'flowing ... the loss is not judged', the blow-up said nowhere; a
saturated tanh loop whose first call's gradient was exactly 0 and 2.5e-21 at the second read 'gradients reach every
layer'; a loop that exploded at step 1 and then went flat was told of gated cells and orthogonal weights, clipping
unsaid. References: the losses the script computed, and each call's |dL/dh| by autograd (retain_grad) in the step."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.readings import Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def test_a_blow_up_is_said_where_the_loss_is_not_judged_against_chance():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    x = torch.randn(2000, 10)
    y = (x[:, 0] + x[:, 1] > 0).long() + (x[:, 2] > 1).long()  # classes far from balanced
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = {}
    with Monitor(model, every=20, chance_loss=math.log(3)) as mon:
        for k in range(1, 101):
            if k == 86:
                opt.param_groups[0]["lr"] = 50.0
            i = torch.randint(0, 2000, (64,))
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x[i]), y[i])
                loss.backward()
                s.loss = loss
                losses[k] = loss.item()
            opt.step()
            opt.zero_grad()
    r = mon.report().reading
    finite = {k: v for k, v in losses.items() if math.isfinite(v)}
    peak = max(finite, key=finite.get)
    assert all(map(math.isfinite, losses.values())) and peak > 81 and finite[peak] > 1e3 * finite[81]  # the premise
    assert "the loss is not judged" in r.words  # the premise: the branch that said nothing of it
    assert "blew up" in r.words and f"training step {peak:,}" in r.words, r.words


class RNN(nn.Module):
    def __init__(self, scale: float):
        super().__init__()
        self.ih, self.hh = nn.Linear(4, 32), nn.Linear(32, 32, bias=False)
        self.act, self.head = nn.Tanh(), nn.Linear(32, 2)
        with torch.no_grad():
            self.hh.weight.mul_(scale)

    def forward(self, x, keep):
        h = torch.zeros(x.shape[0], 32)
        for t in range(x.shape[1]):
            h = self.act(self.ih(x[:, t]) + self.hh(h))
            h.retain_grad()
            keep.append(h)
        return self.head(h)


def test_a_loop_flat_after_it_exploded_reads_vanishing_and_is_told_to_clip():
    torch.manual_seed(0)
    model = RNN(4.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = {}
    with Monitor(model, every=10, chance_loss=math.log(2)) as mon:
        for k in range(1, 32):
            x = torch.randn(64, 60, 4)
            keep = []
            with mon.step() as s:
                loss = nn.functional.cross_entropy(model(x, keep), (x[:, 0, 0] > 0).long())
                loss.backward()
                s.loss = loss
            seen[k] = [h.grad.norm().item() for h in keep]
            if k in (1, 11, 21, 31):
                seen[k, "reading"] = mon.report().reading
            opt.step()
            opt.zero_grad()
    first = seen[1, "reading"]
    assert first.status is Status.EXPLODING and first.words.startswith("exploding through time"), first.words
    for k in (11, 21, 31):
        grads, r = seen[k], seen[k, "reading"]
        assert grads[0] < 1e-3 * grads[-1]  # the premise: vanishing through the calls, the first maybe exactly 0
        assert "gradients reach every layer" not in r.words, (k, r.words)
        assert r.status is Status.VANISHING and "through time" in r.words, (k, r.words)
        assert "at training step 1 the gradient grew" in r.words, (k, r.words)
        assert r.remedy.startswith("Clip the gradients' norm"), (k, r.remedy)
