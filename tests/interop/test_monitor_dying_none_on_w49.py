"""Issue 17 (W49 walkthrough, finding 1): a layer whose every unit was pushed off mid-run (its bias set to -20) read
'dying layer: 59 of 64 units ... and the layer works with the 5 units left on its sampled batches', though no unit of
it was on at any step after the push, and the same log line gave a zero-derivative fraction of 1.0. The 5 were units
rarely active before, neither counted dead nor gone silent. The words now say no unit of the layer was on on its
latest sampled batch. Reference: the test's own count of the layer's units with an output above 0 on each batch."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402

BREAK = 200


def test_a_layer_with_no_unit_left_on_is_not_said_to_work_with_units_left():
    torch.manual_seed(1)
    x = torch.randn(4096, 10)
    y = (x @ torch.randn(10, 5) + 0.5 * torch.randn(4096, 5)).argmax(1)
    m = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                      nn.Linear(64, 5))
    opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
    on_after = []  # the test's own count of layer '3''s units on, per batch after the push
    said = {}
    with Monitor(m, every=10, chance_loss=math.log(5)) as mon:
        for t in range(1, 401):
            if t == BREAK:
                with torch.no_grad():
                    m[2].bias.fill_(-20.0)
            i = torch.randint(0, 4096, (64,))
            with mon.step() as s:
                h = m[3](m[2](m[1](m[0](x[i]))))
                loss = F.cross_entropy(m[6](m[5](m[4](h))), y[i])
                loss.backward()
                s.loss = loss
            if t >= BREAK:
                on_after.append(int(((h > 0).sum(0) > 0).sum()))
            opt.step()
            opt.zero_grad()
            if t % 10 == 1 and t > BREAK:
                r = mon.report().reading
                said[t] = " ".join(f.words for f in r.findings)
    assert max(on_after) == 0  # the premise: no unit of the layer was on after the push
    dying = {t: w for t, w in said.items() if "dying layer" in w and "module '3'" in w}
    assert dying, said  # the premise: the reading calls it dying
    for t, words in dying.items():
        assert "works with the" not in words or "the other layer" in words, (t, words)
        assert "no unit of the layer was on on its latest sampled batch" in words or \
            "was on on its latest sampled batch" in words, (t, words)
