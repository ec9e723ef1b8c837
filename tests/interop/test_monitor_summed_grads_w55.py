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


def test_a_weight_left_out_of_the_optimiser_reads_no_ratio_on_its_row():
    """W64 walkthrough finding 9: an optimiser holding the last layer alone; '0.weight''s .grad, never zeroed, summed
    100 steps' gradients, and its row read 'exploding: '0.weight' gets 3.8e3 times the output layer's gradient'. The
    reference: the test's own ratio on freshly zeroed gradients, which explodes nothing."""
    x, y = clusters()
    model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model[2].parameters(), lr=0.05)  # the bug: the last layer alone
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(1)
    for _ in range(200):
        i = torch.randint(0, 4096, (64,), generator=g)
        monitored_step(mon, model, x[i], y[i], opt)
    row = mon.report().layers[0]
    # the premise: the optimiser's zero_grad() cleared its own (to None), and '0.weight''s .grad kept the sum
    assert model[2].weight.grad is None and model[0].weight.grad is not None
    fresh = copy.deepcopy(model)
    fresh.zero_grad(set_to_none=True)
    F.cross_entropy(fresh(x[:1024]), y[:1024]).backward()
    assert float(fresh[0].weight.grad.norm() / fresh[2].weight.grad.norm()) < 10  # the reference: no explosion
    assert "exploding" not in row.words and "vanishing" not in row.words, row.words
    assert row.words.startswith("'0.weight' is not compared with the output layer: one of their .grad sums the "
                              "steps since it was last cleared"), row.words
