"""A bias written between updates is a write of the weights, and units a write stops are the write's, not the
learning rate's (issue 17, W102 walkthrough finding 3: a bias shifted by -20 under no_grad before step 301 killed
every unit of the ReLU after it, and every report said 'Lower the learning rate (one large update can push a ReLU unit
below 0 ...)'; loaded by load_state_dict, the same shift read so at step 340 too, the units stopped between the sampled
steps 291 and 301 and the write dated 301). References: the units' signs and the loss computed here."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import clusters, monitored_step  # noqa: E402


def _shift_bias(model):
    with torch.no_grad():
        model[2].bias.sub_(20.0)


def _load_shifted(model):
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state["2.bias"] -= 20.0
    model.load_state_dict(state)


@pytest.fixture(scope="module", params=[_shift_bias, _load_shifted], ids=["no_grad", "load_state_dict"])
def shifted(request):
    x, y = clusters(spread=0.5, n=3072, dim=20)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mon = Monitor(model, every=10, chance_loss=math.log(10))
    g = torch.Generator().manual_seed(0)
    whole = {}
    for step in range(1, 341):
        if step == 301:
            request.param(model)
        idx = torch.randint(0, len(x), (64,), generator=g)
        monitored_step(mon, model, x[idx], y[idx], opt)
        if step in (300, 340):
            with torch.no_grad():
                whole[step] = float(F.cross_entropy(model(x), y))
    with torch.no_grad():
        after = model[3](model[2](model[1](model[0](x))))
    report = mon.report()
    mon.close()
    return report, whole, int(((after > 0).sum(0) == 0).sum())


def test_a_write_that_stops_units_leads_the_remedy(shifted):
    report, whole, off = shifted
    # the premise: the shift put every unit of module '3' off on every training point, and the loss rose with it
    assert off == 64 and whole[340] > 1.5 * whole[300], (off, whole)
    assert report.status == "dead_layer", report.reading.words
    remedy = report.reading.remedy
    assert "were written between optimiser steps" in remedy and "before the update of training step 301" in remedy, \
        remedy
    assert "lower the learning rate" not in remedy.lower(), remedy


def test_no_finding_is_said_twice(shifted):
    """W102 walkthrough, s10: 'also: vanishing: no gradient reaches ...' stood under a finding whose words ended with
    the same sentence."""
    rest = shifted[0].reading.findings[1:]  # (the headline's 'also ...' may say one of them: that one stays listed)
    for f in rest:
        assert not any(o is not f and o.words in f.words for o in rest), [g.words for g in rest]
