"""W55 walkthrough finding 1: an AdamW built from the first layer's parameters alone, its zero_grad() every step: the
other layers' .grad summed over the whole run (zero_grad clears only the optimiser's own), and the last readings said
'vanishing: 'fcs.0.weight' gets 9.1e-4 of the output layer's gradient' with a remedy to add residual connections,
where the ratio on freshly zeroed gradients was 0.13; the right finding, weights not changing, was gone. The ratios
between weight gradients summed over unlike spans are not read now. The reference: the same ratio taken by the test
on a freshly zeroed copy of the model at the end, and which parameters moved."""

from __future__ import annotations

import copy
import math

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.readings import VANISHING_RATIO  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402


def test_an_optimiser_holding_one_layer_reads_its_still_weights_not_a_vanishing_gradient():
    x, y = clusters()
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    before = copy.deepcopy(model.state_dict())
    opt = torch.optim.AdamW(model[0].parameters(), lr=1e-3)  # the bug: the first layer's parameters alone
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    said = []
    g = torch.Generator().manual_seed(1)
    for _ in range(400):
        i = torch.randint(0, 4096, (64,), generator=g)
        monitored_step(mon, model, x[i], y[i], opt)
        said.append(mon.report())
    moved = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert moved == {"0.weight", "0.bias"}  # the premise
    assert model[6].weight.grad.norm() > 50  # the premise: the output layer's .grad summed over the run
    fresh = copy.deepcopy(model)
    fresh.zero_grad(set_to_none=True)
    F.cross_entropy(fresh(x[:1024]), y[:1024]).backward()
    true_ratio = float(fresh[0].weight.grad.norm() / fresh[6].weight.grad.norm())
    assert true_ratio > 10 * VANISHING_RATIO  # the reference: nothing vanishes
    for r in said[50:]:
        assert r.status.value != "vanishing" and "vanishing" not in str(r.reading), (r.step, r.reading.words)
    last = said[-1].reading
    assert last.words.startswith("weights not changing: the weights '2.weight', '4.weight' and '6.weight' have not "
                                 "changed"), last.words
