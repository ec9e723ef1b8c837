"""W83 walkthrough finding 8: an optimiser built without one block's parameters. Its zero_grad() never clears that
block's gradients, which sum over the run, and its step() never updates the block; the note said 'zero_grad() is
missing from the loop', which it was not. The note now says the weights are in no parameter group of the optimiser,
and what to do; a loop that truly never calls zero_grad() keeps the note it had. References: the script's own
optimiser and its .grad norms."""

from __future__ import annotations

import math

import pytest

from conftest import require_torch

torch = require_torch()
from torch import nn  # noqa: E402

from actlab.torch import Monitor  # noqa: E402
from interop._steps import monitored_step  # noqa: E402


def _run(every, case: str):
    torch.manual_seed(0)
    x = torch.randn(2048, 20)
    y = (x @ torch.randn(20, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
    left_out = {id(p) for p in model[2].parameters()} if case == "missing group" else set()
    opt = torch.optim.SGD([p for p in model.parameters() if id(p) not in left_out], lr=0.05, momentum=0.9)
    norms = []
    with Monitor(model, every=every, chance_loss=math.log(5)) as mon:
        for step in range(120):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(step))
            monitored_step(mon, model, x[i], y[i])
            norms.append(float(model[2].weight.grad.norm()))
            opt.step()
            if case != "no zero_grad":
                opt.zero_grad()
        return mon.report(), norms, opt


@pytest.mark.parametrize("every", [1, "auto"])
def test_weights_in_no_parameter_group_are_said_so_not_a_missing_zero_grad(every):
    report, norms, opt = _run(every, "missing group")
    assert [tuple(p.shape) for g in opt.param_groups for p in g["params"]] == [(64, 20), (64,), (5, 64), (5,)]
    assert norms[-1] > 10 * norms[0]  # the premise: '2.weight's gradient sums over the run
    said = [n for n in report.notes if n.startswith("gradients accumulate across steps")]
    assert len(said) == 1, report.notes
    assert said[0].endswith(
        "'2.weight' already held a nonzero gradient from before, and backward adds to it: it is in no parameter group "
        "of the optimiser that steps the model, whose zero_grad() clears only its own parameters' gradients and whose "
        "step() never updates it: add it to the optimiser, or freeze it with requires_grad_(False) if it is meant to "
        "stay as it is. Until then its |dL/dW| and W/out read the gradients summed since the run began"), said[0]
    assert "zero_grad() is missing" not in said[0]


def test_a_loop_without_zero_grad_keeps_its_note():
    report, _, _ = _run(1, "no zero_grad")
    said = [n for n in report.notes if n.startswith("gradients accumulate across steps")]
    assert len(said) == 1 and "every weight ('0.weight', ...) already held a nonzero gradient" in said[0] and \
        "zero_grad() is missing from the loop" in said[0], report.notes


def test_a_head_in_no_parameter_group_has_no_ratio_in_the_table_or_the_headline_w84():
    """W84 walkthrough finding 8: the head left out of the optimiser, its .grad summing every step since the run began:
    each layer's line said its weight 'is not compared with the output layer', yet the table printed W/out figures,
    an early headline quoted "'blocks.0.fc1.weight' gets 0.02 of the output layer's" and 'the largest weight
    gradient's norm is 1.7, at 'head.weight'' was that sum. No ratio is printed or quoted now, and the sum is said."""
    torch.manual_seed(0)
    x = torch.randn(2048, 20)
    y = (x @ torch.randn(20, 5)).argmax(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 5))
    head = {id(p) for p in model[4].parameters()}
    opt = torch.optim.SGD([p for p in model.parameters() if id(p) not in head], lr=0.05)
    reports = []
    with Monitor(model, every=10, chance_loss=math.log(5)) as mon:
        for step in range(160):
            i = torch.randint(0, 2048, (64,), generator=torch.Generator().manual_seed(step))
            monitored_step(mon, model, x[i], y[i], opt)
            if step % 10 == 0:
                reports.append(mon.report())
    later = [r for r in reports if r.step > 1]
    assert all(math.isnan(l.weight_grad_ratio_to_output) for r in later for l in r.layers)
    for r in later:
        rows = str(r).splitlines()[3:5]
        assert all(row.split()[6] == "-" for row in rows), rows  # the W/out column
        assert "of the output layer's" not in r.reading.words.split(";")[0], r.reading.words
    last = reports[-1].reading.words
    assert "at '4.weight', a sum over the steps since its .grad was last cleared" in last, last
