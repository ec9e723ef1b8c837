"""Weights a decay shrank toward 0 stop the gradient passed back through them; a layer with a few dead units is not
where 'dead units stop the gradient' (issue 17, W101 walkthrough finding 7: Adam whose coupled weight_decay was set to 1
at step 601 took the weights from 12.6 to under 0.01; the status read dead_layer, from 'dead units stop the gradient ...
1 of its 64 units are dead', while the headline said the loss was lost). Reference: the weight matrices' norms and the
units' signs computed here from the model after the run."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.reading_flow import DEAD_DROP  # noqa: E402
from actlab.reading_record import LayerSummary, RunSummary, Status  # noqa: E402
from actlab.readings import diagnose  # noqa: E402
from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step, teacher_data  # noqa: E402

TRAINED = 600
KILLED = 2  # units of the second ReLU put off for good by a bias of -100


@pytest.fixture(scope="module")
def decayed():
    torch.manual_seed(1)
    x, y = teacher_data(n=4000)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    with torch.no_grad():
        model[2].bias[:KILLED] = -100.0  # a few units dead from the start, as the walkthrough's run had
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    mon = Monitor(model, every=5, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(2)
    for step in range(1, TRAINED + 401):
        if step == TRAINED + 1:
            for group in opt.param_groups:
                group["weight_decay"] = 1.0
        idx = torch.randint(0, len(x), (64,), generator=g)
        monitored_step(mon, model, x[idx], y[idx], opt)
    mon.close()
    return mon, model, x


def test_a_fall_through_shrunk_weights_is_not_said_as_dead_units(decayed):
    mon, model, x = decayed
    middle = model[2].weight.detach()
    # the premise: the matrix between the two ReLUs is so small that it alone takes the gradient passed back through
    # it below DEAD_DROP of what reaches it (|W^T g| <= |W|_F |g|), and fewer than half of the units after it are off
    # on every training point
    assert float(middle.norm()) < DEAD_DROP ** 2, float(middle.norm())
    with torch.no_grad():
        after = model[3](model[2](model[1](model[0](x))))
    off = int(((after > 0).sum(0) == 0).sum())
    assert KILLED <= off and 2 * off < 64, off
    reading = mon.report().reading
    assert reading.status != Status.DEAD_LAYER, reading.findings[0].words
    assert not any("dead units stop the gradient" in f.words for f in reading.findings), reading.findings
    assert mon.report().layers[1].dead >= KILLED  # (the killed units are counted)
    head = reading.findings[0]
    assert head.status == Status.NOT_LEARNING and "the weights have shrunk" in head.words, head.words
    assert head.remedy.startswith("The weight decay went from 0 to 1 at the optimiser's step of training step 601"), \
        head.remedy


@pytest.mark.parametrize(("dead", "shrank", "said"), [(2, True, False), (2, False, True), (32, True, True)])
def test_dead_units_are_said_to_stop_the_gradient_unless_shrunk_weights_account_for_it(dead, shrank, said):
    """The rule on summaries: a fall of 1e-6 across a layer with `dead` of 64 units dead, under weights that shrank
    5,000 times or did not. Half the layer or more dead keeps the dead units' finding whatever the weights did."""
    layers = (LayerSummary("relu", 64, 1e-9, signal_norm=1e-12), LayerSummary("relu", 64, 1e-3, dead, signal_norm=1e-6))
    size = {"weights_size_high": (600, 12.0), "weights_size_now": (1000, 12.0 / 5000 if shrank else 11.0)}
    s = RunSummary(layers=layers, output_grad_norm=1e-2, output_signal_norm=1e-6,
                   signal_reference="the last watched activation", steps=1000, **size)
    words = " ".join(f.words for f in diagnose(s).findings)
    assert ("dead units stop the gradient" in words) == said, words
    assert ("the weights have shrunk" in words) == shrank, words
