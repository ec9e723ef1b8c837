"""A zero gradient that holds over many sampled batches is the run's, not one batch's (issue 17, W36 walkthrough
finding 1): a GELU layer pushed to pre-activations near -160 by a learning rate raised 100 times gave every weight a
gradient of exactly 0 on each of 350 steps, and every reading, at every=1, said 'no gradient on the batch ...: not
known to be for good: none of the 128 units ... is dead', with a remedy to wait for smaller steps. Reference: the
script's own .grad norms on every step."""

from __future__ import annotations

import math

from conftest import require_torch

torch = require_torch()

from torch import nn  # noqa: E402

from actlab.readings import ZERO_GRADIENT_RUN, Status  # noqa: E402
from actlab.torch import Monitor  # noqa: E402


def test_a_gelu_layer_whose_gradient_stays_exactly_zero_reads_no_gradient_for_good():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.GELU(), nn.Linear(32, 32), nn.GELU(), nn.Linear(32, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    mon = Monitor(model, every=1, chance_loss=1.0)
    zero_from = None
    for step in range(1, 61):
        if step == 30:  # the second layer's units pushed far into GELU's flat tail, where its slope rounds to 0
            with torch.no_grad():
                model[2].bias.fill_(-300.0)
        x = torch.randn(32, 8)
        with mon.step() as s:
            loss = (model(x) - x[:, :1]).pow(2).mean()
            loss.backward()
            s.loss = loss
        norms = [float(m.weight.grad.norm()) for m in model if isinstance(m, nn.Linear)]
        if all(n == 0 for n in norms):  # the script's own record
            zero_from = zero_from or step
        else:
            zero_from = None
        r = mon.report().reading
        run = 0 if zero_from is None else step - zero_from + 1
        no_grad = next((f for f in r.findings if f.status is Status.NO_GRADIENT), None)
        if run >= ZERO_GRADIENT_RUN:
            assert no_grad is not None, (step, r.words)
            assert "not known to be for good" not in no_grad.words, (step, no_grad.words)
            assert (f"on each of the last {run} sampled batches (from training step {zero_from})" in no_grad.words
                    ), (step, no_grad.words)
            # a restart, not a wait for smaller steps
            assert "then restart" in no_grad.remedy and "may come back down" not in no_grad.remedy, no_grad.remedy
        elif run:
            assert no_grad is not None and "not known to be for good" in no_grad.words, (step, r.words)
        opt.step()
        opt.zero_grad()
    assert zero_from == 30 and not math.isnan(loss.item())  # the premise: exactly 0 from step 30 to the end
